// Key specifications: where a command's keys are in its arguments, with
// Redis 7.0's per-key flags (RW/RO/OW/RM, access/update/insert/delete).
// COMMAND GETKEYS and GETKEYSANDFLAGS answer from them.
//
// The table (key_specs_table.cpp) is generated from redis-server 7.0's
// COMMAND INFO by tools/gen_key_specs.py; the extraction below is replikv's.
// A spec is a begin search (an argument index, or the argument after a
// keyword searched from `startfrom`) and a find-keys rule (a range:
// lastkey/keystep/limit; or a count: the number at keynumidx, keys from
// firstkey every keystep).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace replikv {

namespace key_specs_internal {
enum BeginKind { kIndex, kKeyword, kUnknownBegin };
enum FindKind { kRange, kKeynum, kUnknownFind };
struct KeySpecRow {
  const char* command;  // full name: "get", "object|encoding"
  const char* flags;    // space-separated, as COMMAND INFO prints them
  BeginKind begin;
  int index;
  const char* keyword;
  int startfrom;
  FindKind find;
  int a, b, c;  // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
};
extern const KeySpecRow kKeySpecRows[];
extern const size_t kKeySpecRowCount;
}  // namespace key_specs_internal

// One key found in a command line: its argument index and its spec's flags.
struct KeyRef {
  size_t index;
  std::string_view flags;
};

// Whether the command (full name) has key specs at all.
bool CommandHasKeySpecs(std::string_view full_name);

// The keys of `argv` (argv[0] is the command name, argv[1] the subcommand
// for a subcommand) in spec order. False when the arguments do not fit the
// specs (a count that is not a positive number, or keys past the end):
// Redis 7.0 answers "Invalid arguments specified for command" then.
bool FindCommandKeys(std::string_view full_name, ArgList argv, std::vector<KeyRef>* out);

}  // namespace replikv
