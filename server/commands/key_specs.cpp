#include "server/commands/key_specs.h"

#include <string>
#include <unordered_map>

namespace replikv {
namespace {

using key_specs_internal::KeySpecRow;

// Full name -> its rows (consecutive in the table), built on first use.
const std::unordered_map<std::string_view, std::pair<size_t, size_t>>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, std::pair<size_t, size_t>>();
    for (size_t i = 0; i < key_specs_internal::kKeySpecRowCount; ++i) {
      auto [it, added] = m->try_emplace(key_specs_internal::kKeySpecRows[i].command, i, i + 1);
      if (!added) it->second.second = i + 1;
    }
    return m;
  }();
  return *index;
}

// The first key's index for `spec`, 0 if the spec does not apply (a keyword
// that is absent), -1 if the begin search is not one replikv evaluates.
long BeginOf(const KeySpecRow& spec, ArgList argv) {
  const long argc = static_cast<long>(argv.size());
  // An index past the command line makes the whole line invalid, as in
  // Redis 7.0 ("PFMERGE dest" has no source keys: an error, not one key).
  if (spec.begin == key_specs_internal::kIndex) return spec.index < argc ? spec.index : -2;
  if (spec.begin != key_specs_internal::kKeyword) return -1;
  // From `startfrom` towards the end, or (negative) from that far before
  // the end towards the start.
  const bool forward = spec.startfrom > 0;
  long i = forward ? spec.startfrom : argc + spec.startfrom;
  for (; i >= 1 && i < argc; i += forward ? 1 : -1) {
    if (EqualsIgnoreCase(argv[static_cast<size_t>(i)], spec.keyword)) return i + 1;
  }
  return 0;
}

bool IsNotKey(const KeySpecRow& spec) { return std::string_view(spec.flags) == "not_key"; }

// A spec whose flags depend on the arguments ("variable_flags"): the flags
// for this command line. SET is RW only with GET (else it overwrites);
// BITFIELD is RO unless it writes.
std::string_view ResolveFlags(const KeySpecRow& spec, ArgList argv) {
  std::string_view flags = spec.flags;
  if (flags.find("variable_flags") == std::string_view::npos) return flags;
  if (std::string_view(spec.command) == "set") {
    for (size_t i = 3; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "get")) return "RW access update";
    }
    return "OW update";
  }
  if (std::string_view(spec.command) == "bitfield") {
    // Redis's bitfieldGetKeys: read-only unless a SET or INCRBY writes.
    for (size_t i = 2; i < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "set") || EqualsIgnoreCase(argv[i], "incrby")) return "RW access update";
    }
    return "RO access";
  }
  return flags;
}

}  // namespace

bool CommandHasKeySpecs(std::string_view full_name) {
  auto it = Index().find(full_name);
  if (it == Index().end()) return false;
  // Shard channels (SPUBLISH...) have specs marked not_key: not keys.
  for (size_t r = it->second.first; r < it->second.second; ++r) {
    if (!IsNotKey(key_specs_internal::kKeySpecRows[r])) return true;
  }
  return false;
}

bool FindCommandKeys(std::string_view full_name, ArgList argv, std::vector<KeyRef>* out) {
  auto it = Index().find(full_name);
  if (it == Index().end()) return true;
  const long argc = static_cast<long>(argv.size());
  for (size_t r = it->second.first; r < it->second.second; ++r) {
    const KeySpecRow& spec = key_specs_internal::kKeySpecRows[r];
    if (IsNotKey(spec)) continue;
    long first = BeginOf(spec, argv);
    if (first == -2) return false;
    if (first <= 0) continue;  // the spec does not apply to this command line
    long last, step;
    if (spec.find == key_specs_internal::kRange) {
      step = spec.b;
      if (spec.a >= 0) {
        last = first + spec.a;
      } else if (spec.c <= 1) {
        last = argc + spec.a;  // -1: up to the last argument
      } else {
        last = first + (argc - first) / spec.c + spec.a;  // a share of what is left
      }
    } else if (spec.find == key_specs_internal::kKeynum) {
      long count_at = first + spec.a;
      int64_t numkeys;
      if (count_at >= argc || !ParseInt64(argv[static_cast<size_t>(count_at)], &numkeys) || numkeys < 1 ||
          numkeys > argc) {
        return false;
      }
      step = spec.c;
      first += spec.b;
      last = first + (static_cast<long>(numkeys) - 1) * step;
    } else {
      continue;
    }
    if (step < 1) step = 1;
    for (long i = first; i <= last; i += step) {
      if (i >= argc) return false;  // the line is too short for its own count
      out->push_back({static_cast<size_t>(i), ResolveFlags(spec, argv)});
    }
  }
  return true;
}

}  // namespace replikv
