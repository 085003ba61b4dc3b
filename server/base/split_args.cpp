#include "server/base/split_args.h"

#include <cctype>

namespace replikv {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  // Redis works on a C string: a NUL ends the line.
  size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string arg;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      bool at_end = i >= n;
      char c = at_end ? '\0' : line[i];
      char next = i + 1 < n ? line[i + 1] : '\0';
      if (in_double) {
        if (c == '\\' && next == 'x' && i + 3 < n && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          arg.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && next != '\0') {
          ++i;
          switch (next) {
            case 'n': arg.push_back('\n'); break;
            case 'r': arg.push_back('\r'); break;
            case 't': arg.push_back('\t'); break;
            case 'b': arg.push_back('\b'); break;
            case 'a': arg.push_back('\a'); break;
            default: arg.push_back(next); break;
          }
        } else if (c == '"') {
          if (next != '\0' && !IsSpace(next)) return false;
          done = true;
        } else if (at_end) {
          return false;
        } else {
          arg.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && next == '\'') {
          ++i;
          arg.push_back('\'');
        } else if (c == '\'') {
          if (next != '\0' && !IsSpace(next)) return false;
          done = true;
        } else if (at_end) {
          return false;
        } else {
          arg.push_back(c);
        }
      } else {
        switch (c) {
          case ' ': case '\n': case '\r': case '\t': case '\0': done = true; break;
          case '"': in_double = true; break;
          case '\'': in_single = true; break;
          default: arg.push_back(c); break;
        }
      }
      if (!at_end) ++i;
    }
    out->push_back(std::move(arg));
  }
}

std::string QuoteArg(std::string_view arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    unsigned char u = static_cast<unsigned char>(c);
    if (IsSpace(c) || c == '"' || c == '\'' || c == '\\' || u < 32 || u > 126) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(arg);
  std::string out = "\"";
  static const char kHex[] = "0123456789abcdef";
  for (char c : arg) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (u < 32 || u > 126) {
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace replikv
