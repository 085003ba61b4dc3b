// ASCII case helpers for command names, directive names and keywords, which
// Redis compares case-insensitively byte by byte (no locale).
#pragma once

#include <string>
#include <string_view>

namespace replikv {

// Whether `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// `s` with ASCII upper-case letters lowered.
std::string Lower(std::string_view s);

}  // namespace replikv
