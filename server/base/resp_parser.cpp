#include "server/base/resp_parser.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "server/base/assert.h"
#include "server/base/split_args.h"

namespace replikv {
namespace {

// Redis answers these when a connection has not authenticated yet.
constexpr int64_t kUnauthMaxMultibulk = 10;
constexpr int64_t kUnauthMaxBulk = 16384;
// Reserve no more argument slots up front than this, whatever the count
// line claims; the vector grows with the arguments that really arrive.
constexpr int64_t kMaxArgsReserve = 1024;

// Decimal integer with Redis's string2ll() rules: no sign but '-', no
// leading zeros (except "0" itself), no spaces, no "-0", no overflow.
bool ParseLongLong(const char* s, size_t n, int64_t* out) {
  if (n == 0 || n > 20) return false;  // "-9223372036854775808" is 20 chars
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (n == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (v > kMaxPositive + 1) return false;
    *out = v == kMaxPositive + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  } else {
    if (v > kMaxPositive) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace

RespParser::RespParser(const RespLimits& limits) : limits_(limits) {}

void RespParser::Reset() {
  StartCommand();
  args_.clear();
  inline_args_.clear();
  is_inline_ = false;
  consumed_ = 0;
  still_needed_ = 0;
  error_.clear();
  failed_ = false;
}

void RespParser::StartCommand() {
  phase_ = Phase::kStart;
  pos_ = 0;
  seen_ = 0;
  args_left_ = 0;
  bulk_len_ = 0;
  spans_.clear();
  StartLine(0);
}

void RespParser::StartLine(size_t offset) {
  line_start_ = offset;
  scan_ = offset;
  line_end_ = kNotFound;
  nul_seen_ = false;
}

RespParser::Step RespParser::Fail(std::string message) {
  error_ = std::move(message);
  failed_ = true;
  return Step::kError;
}

RespParser::State RespParser::Parse(const char* data, size_t len) {
  args_.clear();
  is_inline_ = false;
  consumed_ = 0;
  still_needed_ = 0;
  if (failed_) return State::kError;
  // The caller must pass at least the bytes it passed before: the offsets
  // below point into them.
  RKV_ASSERT(len >= seen_);

  size_t base = 0;  // start of the current command within data
  // Bounded: every kContinue either moves to a later phase of the same
  // command or advances pos_, and every kEmpty advances base by at least one
  // byte, so there are at most a few rounds per input byte.
  while (true) {
    const char* cmd = data + base;
    size_t avail = len - base;
    Step step = Step::kContinue;
    switch (phase_) {
      case Phase::kStart:
        if (avail == 0) {
          step = Step::kNeedMore;
          break;
        }
        phase_ = cmd[0] == '*' ? Phase::kCount : Phase::kInline;
        break;
      case Phase::kInline: step = ParseInline(cmd, avail); break;
      case Phase::kCount: step = ParseCount(cmd, avail); break;
      case Phase::kBulkHeader: step = ParseBulkHeader(cmd, avail); break;
      case Phase::kBulkBody: step = ParseBulkBody(cmd, avail); break;
    }
    switch (step) {
      case Step::kContinue:
        break;
      case Step::kEmpty:
        base += pos_;
        ++skipped_empty_;
        StartCommand();
        break;
      case Step::kNeedMore:
        consumed_ = base;
        seen_ = avail;
        return State::kNeedMore;
      case Step::kCommand:
        consumed_ = base + pos_;
        StartCommand();
        return State::kCommand;
      case Step::kError:
        return State::kError;
    }
  }
}

size_t RespParser::FindLineEnd(const char* cmd, size_t avail, char term) {
  if (line_end_ != kNotFound) return line_end_;
  if (nul_seen_) return kNotFound;
  // An end further than max_inline_len bytes into the line is an error
  // anyway, so never look beyond that (the caller reports it).
  size_t room = avail - line_start_;
  size_t look = room;
  if (limits_.max_inline_len < room) look = limits_.max_inline_len + 1;
  size_t limit = line_start_ + look;
  if (scan_ >= limit) return kNotFound;

  const char* from = cmd + scan_;
  size_t n = limit - scan_;
  const char* end = static_cast<const char*>(std::memchr(from, term, n));
  size_t before_end = end != nullptr ? static_cast<size_t>(end - from) : n;
  // Redis finds line ends with strchr() on its NUL-terminated buffer, which
  // stops at the first NUL: such a line never ends.
  const char* nul = static_cast<const char*>(std::memchr(from, '\0', before_end));
  if (nul != nullptr) {
    bytes_scanned_ += static_cast<size_t>(nul - from) + 1;
    nul_seen_ = true;
    return kNotFound;
  }
  if (end == nullptr) {
    bytes_scanned_ += n;
    scan_ = limit;
    return kNotFound;
  }
  bytes_scanned_ += before_end + 1;
  line_end_ = scan_ + before_end;
  return line_end_;
}

// An inline command: arguments split like redis.conf lines.
// PING\r\n   or   SET "a key" 'v'\n
RespParser::Step RespParser::ParseInline(const char* cmd, size_t avail) {
  size_t end = FindLineEnd(cmd, avail, '\n');
  if (end == kNotFound) {
    if (avail > limits_.max_inline_len) {
      return Fail("Protocol error: too big inline request");
    }
    return Step::kNeedMore;
  }
  size_t line_len = end;
  if (line_len > 0 && cmd[line_len - 1] == '\r') --line_len;
  if (!SplitArgs(std::string_view(cmd, line_len), &inline_args_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  pos_ = end + 1;
  if (inline_args_.empty()) return Step::kEmpty;
  args_.reserve(inline_args_.size());
  for (const std::string& arg : inline_args_) args_.emplace_back(arg);
  is_inline_ = true;
  return Step::kCommand;
}

// The argument count of a multibulk command.
// *3\r\n
RespParser::Step RespParser::ParseCount(const char* cmd, size_t avail) {
  size_t end = FindLineEnd(cmd, avail, '\r');
  if (end == kNotFound) {
    if (avail - line_start_ > limits_.max_inline_len) {
      return Fail("Protocol error: too big mbulk count string");
    }
    return Step::kNeedMore;
  }
  // The byte after '\r' is taken as the '\n' without a check, as Redis does.
  if (end + 2 > avail) return Step::kNeedMore;
  int64_t count = 0;
  if (!ParseLongLong(cmd + 1, end - 1, &count) ||
      (count > 0 && static_cast<uint64_t>(count) > limits_.max_multibulk_len)) {
    return Fail("Protocol error: invalid multibulk length");
  }
  if (auth_required_ && count > kUnauthMaxMultibulk) {
    return Fail("Protocol error: unauthenticated multibulk length");
  }
  pos_ = end + 2;
  // Redis skips *0 and every negative count (*-1 is the null array) silently.
  if (count <= 0) return Step::kEmpty;
  args_left_ = count;
  spans_.reserve(static_cast<size_t>(std::min(count, kMaxArgsReserve)));
  phase_ = Phase::kBulkHeader;
  StartLine(pos_);
  return Step::kContinue;
}

// The length line of one argument.
// $5\r\n
RespParser::Step RespParser::ParseBulkHeader(const char* cmd, size_t avail) {
  size_t end = FindLineEnd(cmd, avail, '\r');
  if (end == kNotFound) {
    if (avail - line_start_ > limits_.max_inline_len) {
      return Fail("Protocol error: too big bulk count string");
    }
    return Step::kNeedMore;
  }
  if (end + 2 > avail) return Step::kNeedMore;
  char c = cmd[pos_];
  if (c != '$') {
    // Redis formats the byte with %c and then turns CR and LF in an error
    // reply into spaces. (c cannot be NUL: a NUL hides the line end.)
    if (c == '\r' || c == '\n') c = ' ';
    return Fail(std::string("Protocol error: expected '$', got '") + c + "'");
  }
  // c == '$' is not '\r', so end > pos_.
  int64_t n = 0;
  if (!ParseLongLong(cmd + pos_ + 1, end - pos_ - 1, &n) || n < 0 ||
      static_cast<uint64_t>(n) > limits_.max_bulk_len) {
    return Fail("Protocol error: invalid bulk length");
  }
  if (auth_required_ && n > kUnauthMaxBulk) {
    return Fail("Protocol error: unauthenticated bulk length");
  }
  bulk_len_ = static_cast<uint64_t>(n);
  pos_ = end + 2;
  phase_ = Phase::kBulkBody;
  return Step::kContinue;
}

// One argument's payload and the two bytes after it.
// hello\r\n
RespParser::Step RespParser::ParseBulkBody(const char* cmd, size_t avail) {
  // bulk_len_ <= INT64_MAX, so the + 2 cannot wrap.
  uint64_t need = bulk_len_ + 2;
  size_t have = avail - pos_;
  if (have < need) {
    still_needed_ = static_cast<size_t>(need - have);
    return Step::kNeedMore;
  }
  spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
  // Redis does not check that the two bytes are "\r\n"; it skips them.
  pos_ += static_cast<size_t>(need);
  if (--args_left_ > 0) {
    phase_ = Phase::kBulkHeader;
    StartLine(pos_);
    return Step::kContinue;
  }
  args_.reserve(spans_.size());
  for (const auto& [offset, length] : spans_) args_.emplace_back(cmd + offset, length);
  return Step::kCommand;
}

}  // namespace replikv
