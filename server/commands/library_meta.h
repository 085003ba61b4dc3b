// The first line of a function library, as Redis 7.0's FUNCTION LOAD reads
// it: "#!<engine> name=<library>" (split like a config line, so quotes
// work; `name=` in any case, once; nothing else allowed).
#pragma once

#include <string>
#include <string_view>

namespace replikv {

struct LibraryMeta {
  std::string engine;     // "lua" (compared without case by the caller)
  std::string name;
  size_t code_start = 0;  // the offset of the first line's '\n': the code keeps it
};

// Parses `payload`'s first line. False with *err set to Redis 7.0's reply
// text ("Missing library metadata", "Library name was not given"...).
bool ParseLibraryMeta(std::string_view payload, LibraryMeta* meta, std::string* err);

// Library and function names: letters, digits and '_', at least one.
bool ValidFunctionName(std::string_view name);

}  // namespace replikv
