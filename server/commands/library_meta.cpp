#include "server/commands/library_meta.h"

#include <vector>

#include "server/base/ascii.h"
#include "server/base/split_args.h"

namespace replikv {

bool ParseLibraryMeta(std::string_view payload, LibraryMeta* meta, std::string* err) {
  if (payload.substr(0, 2) != "#!") {
    *err = "Missing library metadata";
    return false;
  }
  const size_t eol = payload.find('\n');
  std::vector<std::string> parts;
  if (eol == std::string_view::npos || !SplitArgs(payload.substr(0, eol), &parts) || parts.empty()) {
    *err = "Invalid library metadata";
    return false;
  }
  meta->engine = parts[0].substr(2);
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.size() >= 5 && EqualsIgnoreCase(std::string_view(part).substr(0, 5), "name=")) {
      if (named) {
        *err = "Invalid metadata value, name argument was given multiple times";
        return false;
      }
      meta->name = part.substr(5);
      named = true;
      continue;
    }
    *err = "Invalid metadata value given: " + part;
    return false;
  }
  if (!named) {
    *err = "Library name was not given";
    return false;
  }
  meta->code_start = eol;
  return true;
}

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace replikv
