// RespParser: the request side of RESP2, parsed the way redis-server 7.0
// parses client input (multibulk and inline commands).
//
// Incremental, zero-copy and bounded. The caller (one client connection, on
// the loop thread) owns the query buffer and hands the parser its unconsumed
// bytes. The parser keeps its progress as offsets from the start of those
// bytes, never as pointers, so the caller may append to the buffer and move
// it (realloc) between calls. Nothing already parsed is scanned again: a
// 500 MB bulk arriving 16 KB at a time costs O(1) per call.
//
// Lifecycle of one call sequence:
//   1. Parse(data, len) -> kNeedMore: drop the first consumed() bytes (empty
//      commands that were skipped, usually 0), read more, call again with
//      the remaining unconsumed bytes plus the new ones.
//   2. Parse(...) -> kCommand: args() views the command; execute it, then
//      drop consumed() bytes and call again for the next pipelined command.
//   3. Parse(...) -> kError: error() is Redis's reply text (without "ERR ");
//      reply "-ERR <error()>" and close the connection after the reply.
//      The parser stays in kError until Reset().
//
// Wire forms accepted:
//   *<n>\r\n then n times $<len>\r\n<len bytes>\r\n     (multibulk)
//   any line not starting with '*', ended by \n            (inline)
//
// Redis 7.0 behaviour matched on purpose (checked against redis-server):
//   - `*0`, `*-1` (any count <= 0) and blank inline lines are skipped with
//     no reply.
//   - The two bytes after a bulk payload, and the byte after the '\r' of a
//     length line, are skipped without being checked.
//   - Line ends are searched the way strchr() does on Redis's NUL-terminated
//     buffer: a NUL byte before the line end hides the line end, so such a
//     line never completes and ends as "too big ..." once it passes
//     max_inline_len.
//   - A line with no end within max_inline_len bytes is an error. Redis only
//     checks that when its buffer holds no line end, so with large reads it
//     can accept somewhat longer lines; this parser applies the byte-exact
//     rule so the result never depends on how the input was split.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replikv {

struct RespLimits {
  // proto-max-bulk-len. A primary's stream (Redis: CLIENT_MASTER) is not
  // limited; the caller passes SIZE_MAX for that connection.
  size_t max_bulk_len = 512ull * 1024 * 1024;
  // Arguments per command. Redis 7.0 accepts any count up to INT_MAX (the
  // argv array grows with the arguments that actually arrive).
  size_t max_multibulk_len = INT_MAX;
  // Longest inline command line, and longest `*<n>` / `$<len>` line
  // (Redis's PROTO_INLINE_MAX_SIZE, not configurable there).
  size_t max_inline_len = 64 * 1024;
};

class RespParser {
 public:
  enum class State { kNeedMore, kCommand, kError };

  explicit RespParser(const RespLimits& limits = RespLimits());
  RespParser(const RespParser&) = delete;
  RespParser& operator=(const RespParser&) = delete;

  // New limits apply to every length line parsed from now on, so CONFIG SET
  // proto-max-bulk-len takes effect on the next command.
  void set_limits(const RespLimits& limits) { limits_ = limits; }
  const RespLimits& limits() const { return limits_; }

  // While the connection has not authenticated (requirepass set), Redis
  // refuses more than 10 arguments ("unauthenticated multibulk length") and
  // bulks over 16384 bytes ("unauthenticated bulk length"). The caller sets
  // this before each Parse(), since AUTH may be the previous command.
  void set_auth_required(bool required) { auth_required_ = required; }

  // Parses at most one command from data[0, len). `data` must start with
  // the bytes that followed what earlier calls reported as consumed(), and
  // len may not shrink while a command is partial (that is a caller bug and
  // aborts, like a failed assertion).
  // Returns:
  //   kCommand  - args() views the command, consumed() bytes (including any
  //               skipped empty commands before it) belong to it.
  //   kNeedMore - no complete command yet; consumed() bytes at the front
  //               were empty commands and must be dropped too.
  //   kError    - error() holds the protocol error; nothing is consumed.
  State Parse(const char* data, size_t len);

  // The last command's arguments. Multibulk arguments view the `data` given
  // to Parse(); inline arguments view storage inside the parser. Valid until
  // the next Parse() or Reset(), and for multibulk only while the caller
  // leaves the buffer unchanged.
  const std::vector<std::string_view>& args() const { return args_; }
  // Whether the last command came in the inline form (a primary never sends
  // one; Redis treats that as stream corruption).
  bool is_inline() const { return is_inline_; }
  // Bytes the caller must drop from the front after the last Parse().
  size_t consumed() const { return consumed_; }
  // Redis's error text, e.g. "Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }

  // Inside a bulk argument whose length is known: the least number of bytes
  // that must still arrive (beyond the last Parse()'s `len`) before the
  // current command can complete. Lets the client grow its buffer once for
  // a big value. 0 when unknown.
  size_t bytes_still_needed() const { return still_needed_; }

  // Empty commands skipped since construction (blank lines, `*0`). A replica
  // sends "\n" as a keepalive while it loads an RDB; the primary counts it
  // as a sign of life.
  uint64_t skipped_empty_commands() const { return skipped_empty_; }
  // Bytes examined while searching for line ends, since construction. Bulk
  // payloads are never examined. Tests use it to prove nothing is rescanned.
  uint64_t bytes_scanned() const { return bytes_scanned_; }

  // Forgets any partial command and a sticky error; limits and the
  // auth-required flag are kept.
  void Reset();

 private:
  enum class Phase { kStart, kInline, kCount, kBulkHeader, kBulkBody };
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  // One step on the command that starts at cmd[0] with avail bytes. Returns
  // kContinue to run the next phase, kEmpty when the command turned out
  // empty (pos_ is its length), or the outcome of Parse().
  enum class Step { kContinue, kEmpty, kNeedMore, kCommand, kError };
  Step ParseInline(const char* cmd, size_t avail);
  Step ParseCount(const char* cmd, size_t avail);
  Step ParseBulkHeader(const char* cmd, size_t avail);
  Step ParseBulkBody(const char* cmd, size_t avail);

  // Finds `term` in cmd[line_start_, avail), resuming at scan_ and looking
  // at no more than max_inline_len + 1 bytes of the line. Returns its offset
  // or kNotFound (also when a NUL comes first, as strchr() would).
  size_t FindLineEnd(const char* cmd, size_t avail, char term);
  Step Fail(std::string message);
  void StartCommand();
  void StartLine(size_t offset);

  RespLimits limits_;
  bool auth_required_ = false;

  // Progress on the current command; all offsets are from its first byte.
  Phase phase_ = Phase::kStart;
  size_t pos_ = 0;          // next unparsed byte
  size_t seen_ = 0;         // bytes of it the last kNeedMore was given
  size_t line_start_ = 0;   // first byte of the line being searched
  size_t scan_ = 0;         // where the line-end search resumes
  size_t line_end_ = kNotFound;  // offset of the found '\r' / '\n'
  bool nul_seen_ = false;   // a NUL hides this line's end (strchr semantics)
  int64_t args_left_ = 0;   // bulks still expected
  uint64_t bulk_len_ = 0;   // length of the bulk being read (kBulkBody)
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) per arg

  // Results of the last Parse().
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  bool is_inline_ = false;
  size_t consumed_ = 0;
  size_t still_needed_ = 0;
  std::string error_;
  bool failed_ = false;

  uint64_t skipped_empty_ = 0;
  uint64_t bytes_scanned_ = 0;
};

}  // namespace replikv
