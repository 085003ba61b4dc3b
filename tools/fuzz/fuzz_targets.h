// The bodies of replikv's libFuzzer targets, as plain functions.
//
// Each fuzz_<target>.cpp is a two-line LLVMFuzzerTestOneInput() calling one
// of these; regression_test.cpp (built by g++ in the normal build and run by
// ctest) calls the same functions on every file of corpus/<target>/ and
// regressions/<target>/, so an input that once crashed keeps being replayed
// without clang.
//
// Contract shared by every target:
//   - Any byte string is a valid input; the return value is always 0 (the
//     libFuzzer convention). A finding is a crash: a sanitizer report, or
//     FuzzCheck() failing when the code under test contradicts itself (a
//     differential or round-trip oracle below).
//   - Nothing is written outside one scratch directory per process,
//     /tmp/replikv-fuzz-XXXXXX (or under $REPLIKV_FUZZ_TMP, itself in /tmp),
//     removed at exit.
//   - Every allocation the code under test makes is freed before return
//     (LeakSanitizer runs at the end of every libFuzzer session).
//
// Multi-part inputs (AOF files, config file + CONFIG SET lines) separate
// their parts with kPartSeparator; fuzz.dict lists it so mutations keep it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replikv::fuzz {

inline constexpr std::string_view kPartSeparator = "\n--8<--\n";

// Splits `data` at every kPartSeparator; returns at most `max_parts` parts
// (the last one keeps any further separators).
std::vector<std::string_view> SplitParts(std::string_view data, size_t max_parts);

// Reports `what` on stderr and aborts (libFuzzer then saves the input).
[[noreturn]] void FuzzFail(const std::string& what);
inline void FuzzCheck(bool ok, const std::string& what) {
  if (!ok) FuzzFail(what);
}

// RESP request parser (server/resp_parser.h), as a client connection drives
// it. Byte 0 picks the limits (default, tiny, unauthenticated client);
// bytes 1-2 seed the chunk sizes the rest arrives in. Oracle: the commands
// and the final error are the same as when all bytes arrive at once, and
// every multibulk argument views the caller's buffer.
int FuzzResp(const uint8_t* data, size_t size);

// RDB loader (persistence/rdb_keyspace.h, LoadKeyspaceFromFile) into a real
// Keyspace, from a file in the scratch dir. Oracle: a file that loads saves
// again (WriteKeyspace), and that save loads into the same dataset digest.
int FuzzRdb(const uint8_t* data, size_t size);

// AOF loader (persistence/aof_loader.h, LoadAofFiles) into a socketless
// Server. Parts: [0] the base file (an RDB if it starts with "REDIS", else
// AOF commands; empty = no base), [1..3] incr files; the manifest naming
// them is built here (fuzz_manifest covers manifest text). Commands that
// could leave the sandbox or stop the process (SHUTDOWN, DEBUG, CONFIG, ...)
// are removed with rename-command, as an operator would. Every file is also
// checked with ScanAofCommands (the replikv-check-aof path).
int FuzzAof(const uint8_t* data, size_t size);

// AOF manifest parser (persistence/aof_manifest.h). Oracle: a manifest that
// parses formats to text that parses back to the same manifest, also after
// AddIncr (what start-up with appendonly yes does).
int FuzzManifest(const uint8_t* data, size_t size);

// Config parser (server/config.h). Part [0] is config file text loaded with
// ConfigRegistry::LoadFromString (the loader main's LoadFromCommandLine
// uses; "include" lines are dropped, since they would read arbitrary paths).
// If it loads, part [1] holds CONFIG SET argument lines (one Set() per line,
// so several pairs on a line test all-or-nothing; "dir" is never set, its
// hook chdir()s). Oracle: what CONFIG GET * then shows, written as config
// lines, loads into a fresh registry and shows the same (what CONFIG
// REWRITE depends on).
int FuzzConfig(const uint8_t* data, size_t size);

// What a replica reads from its primary after PSYNC (replication/
// psync_protocol.h): reply lines (keepalives, +FULLRESYNC, +CONTINUE,
// errors), then for a full sync the RDB transfer ($<len> or $EOF:<mark>),
// then the command stream as the replica's primary client parses it. Byte 0
// picks the chunk size the rest arrives in. Oracle: the classification, the
// RDB payload and the commands are the same as when all bytes arrive at once.
int FuzzPsync(const uint8_t* data, size_t size);

// RESTORE's payload path (persistence/dump_restore.h): the input after
// byte 0 is sealed as a DUMP payload (version 10, a valid CRC64, so the
// fuzzer reaches the decoder rather than the checksum), checked by
// OpenDumpPayload and decoded by EntryFromPayload; byte 0 picks the
// encoding limits (Redis's defaults, or tiny ones that force every
// conversion). Oracle: a value that restores dumps again, that payload
// restores, and both values have the same DEBUG DIGEST-VALUE.
int FuzzRestore(const uint8_t* data, size_t size);

// The node-state file's decoder (replication/node_state.h), twice: the input
// as a whole file (magic and checksum checks), and the input as the message
// inside a file with a right checksum (so mutations reach the protobuf
// decoder). Whatever decodes must encode and decode to the same state.
int FuzzNodeState(const uint8_t* data, size_t size);

}  // namespace replikv::fuzz
