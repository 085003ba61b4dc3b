// Splits a line into arguments the way redis.conf lines and inline commands
// are split: whitespace separates, "double quotes" take C escapes (\n \r \t
// \b \a \\ \" \xHH), 'single quotes' take only \', and a closing quote must
// be followed by whitespace or the end of the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace replikv {

// Returns false (and leaves *out in an unspecified state) on unbalanced
// quotes; Redis answers that with "unbalanced quotes". An empty or
// whitespace-only line yields no arguments.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// The inverse for one argument: quotes and escapes it when needed so that
// SplitArgs gives it back (used by CONFIG REWRITE and command-line configs).
std::string QuoteArg(std::string_view arg);

}  // namespace replikv
