#include "server/net/reply_buffer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace replikv {

ReplyBuffer::ReplyBuffer() : first_(new char[kFirstBlock]) { ResetBlocks(); }

char* ReplyBuffer::ReserveSlow(size_t n) {
  // The room left in the old tail is abandoned: n bytes must be contiguous.
  Block b;
  b.cap = n > kBlock ? n : kBlock;
  b.data.reset(new char[b.cap]);
  block_bytes_ += b.cap;
  blocks_.push_back(std::move(b));
  Block& tail = blocks_.back();
  tail_ = tail.data.get();
  tail_end_ = tail_ + tail.cap;
  tail_len_ = &tail.len;
  return tail_;
}

void ReplyBuffer::AppendSlow(std::string_view bytes) {
  // Fill the tail block first, then spill into one new block: a big reply
  // never needs a contiguous copy of itself except in its own block.
  size_t room = static_cast<size_t>(tail_end_ - tail_);
  if (room > 0) {
    std::memcpy(tail_, bytes.data(), room);
    Commit(room);
    bytes.remove_prefix(room);
  }
  char* dst = ReserveSlow(bytes.size());
  std::memcpy(dst, bytes.data(), bytes.size());
  Commit(bytes.size());
}

char* ReplyBuffer::WriteDecimal(char* p, uint64_t v) {
  // Two digits per step from a table, written back to front once the width
  // is known: lengths and counts are formatted once per reply element.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  size_t width = 1;
  for (uint64_t t = v; t >= 10 && width < 20; t /= 10) ++width;  // at most 19 steps
  char* end = p + width;
  char* q = end;
  while (v >= 100) {  // each step drops two digits
    size_t i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    q -= 2;
    q[0] = kPairs[i];
    q[1] = kPairs[i + 1];
  }
  if (v >= 10) {
    size_t i = static_cast<size_t>(v) * 2;
    q -= 2;
    q[0] = kPairs[i];
    q[1] = kPairs[i + 1];
  } else {
    *--q = static_cast<char>('0' + v);
  }
  return end;
}

void ReplyBuffer::AddSimple(std::string_view s) {
  char* p = Reserve(s.size() + 3);
  *p++ = '+';
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\r';
  p[s.size() + 1] = '\n';
  Commit(s.size() + 3);
}

void ReplyBuffer::AddError(std::string_view msg) {
  // As Redis's addReplyError: "-ERR " is prepended unless the text brings
  // its own code ("-WRONGTYPE ..."); newlines become spaces so the reply
  // stays one line.
  ++errors_;
  std::string line;
  line.reserve(msg.size() + 8);
  if (msg.empty() || msg[0] != '-') line = "-ERR ";
  if (error_stats_ != nullptr) {
    ++error_stats_->total;
    std::string_view text = msg.empty() || msg[0] != '-' ? std::string_view("ERR") : msg.substr(1);
    ++error_stats_->by_code[std::string(text.substr(0, text.find(' ')))];
  }
  for (char c : msg) line += (c == '\r' || c == '\n') ? ' ' : c;
  line += "\r\n";
  Append(line);
}

void ReplyBuffer::AddInt(int64_t v) {
  // ':' + sign + up to 19 digits + CRLF.
  char* p = Reserve(24);
  char* q = p;
  *q++ = ':';
  uint64_t mag = static_cast<uint64_t>(v);
  if (v < 0) {
    *q++ = '-';
    mag = 0 - mag;  // well defined for INT64_MIN too
  }
  q = WriteDecimal(q, mag);
  q[0] = '\r';
  q[1] = '\n';
  Commit(static_cast<size_t>(q + 2 - p));
}

void ReplyBuffer::AddArrayLen(size_t n) { AddAggregateLen('*', n); }

void ReplyBuffer::AddAggregateLen(char type, size_t n) {
  char* p = Reserve(24);
  p[0] = type;
  char* q = WriteDecimal(p + 1, n);
  q[0] = '\r';
  q[1] = '\n';
  Commit(static_cast<size_t>(q + 2 - p));
}

void ReplyBuffer::AddBigBulk(std::string_view s) {
  char head[kBulkOverhead];
  char* q = WriteBulkHeader(head, s.size());
  Append({head, static_cast<size_t>(q - head)});
  Append(s);
  Append("\r\n");
}

void ReplyBuffer::AddBulks(const std::string_view* items, size_t n) {
  // Locals, not members: stores through p may alias any char, so members
  // would be reloaded for every element.
  char* p = tail_;
  char* end = tail_end_;
  for (size_t i = 0; i < n; ++i) {
    std::string_view s = items[i];
    if (s.size() > kSmallBulk || s.size() + kBulkOverhead > static_cast<size_t>(end - p)) {
      // Big element or block full: settle the cursor, take the general path.
      Commit(static_cast<size_t>(p - tail_));
      AddBulk(s);
      p = tail_;
      end = tail_end_;
      continue;
    }
    p = WriteBulkHeader(p, s.size());
    CopyPayload(p, s);
    p += s.size();
    p[0] = '\r';
    p[1] = '\n';
    p += 2;
  }
  Commit(static_cast<size_t>(p - tail_));
}

void ReplyBuffer::AddBulkInt(int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  AddBulk({buf, static_cast<size_t>(end - buf)});
}

namespace {

// Redis's double text: %.17g, and "inf"/"-inf".
size_t FormatDouble(char* buf, size_t cap, double v) {
  int n;
  if (std::isinf(v)) {
    n = std::snprintf(buf, cap, "%s", v > 0 ? "inf" : "-inf");
  } else {
    n = std::snprintf(buf, cap, "%.17g", v);
  }
  return static_cast<size_t>(n);
}

}  // namespace

void ReplyBuffer::AddBulkDouble(double v) {
  char buf[64];
  AddBulk({buf, FormatDouble(buf, sizeof(buf), v)});
}

void ReplyBuffer::AddDouble(double v) {
  char buf[64];
  AddDoubleText({buf, FormatDouble(buf, sizeof(buf), v)});
}

void ReplyBuffer::AddDoubleText(std::string_view text) {
  if (!resp3_) return AddBulk(text);
  // ,1.5\r\n
  char* p = Reserve(text.size() + 3);
  p[0] = ',';
  std::memcpy(p + 1, text.data(), text.size());
  p[text.size() + 1] = '\r';
  p[text.size() + 2] = '\n';
  Commit(text.size() + 3);
}

void ReplyBuffer::AddBool(bool v) {
  if (resp3_) return Append(v ? "#t\r\n" : "#f\r\n");
  AddInt(v ? 1 : 0);
}

void ReplyBuffer::AddBigNumber(std::string_view digits) {
  if (!resp3_) return AddBulk(digits);
  // (3492890328409238509324850943850943825024385\r\n
  Append("(");
  Append(digits);
  Append("\r\n");
}

void ReplyBuffer::AddVerbatim(std::string_view text, std::string_view format) {
  if (!resp3_) return AddBulk(text);
  // =15\r\ntxt:Some string\r\n: the length counts the format and its colon.
  char head[32];
  head[0] = '=';
  char* q = WriteDecimal(head + 1, text.size() + 4);
  q[0] = '\r';
  q[1] = '\n';
  Append({head, static_cast<size_t>(q + 2 - head)});
  Append(format.substr(0, 3));
  Append(":");
  Append(text);
  Append("\r\n");
}

size_t ReplyBuffer::Pieces(std::string_view* out, size_t max) const {
  size_t n = 0;
  if (n < max && first_len_ > first_sent_) {
    out[n++] = {first_.get() + first_sent_, first_len_ - first_sent_};
  }
  bool first_block = true;
  for (const Block& b : blocks_) {
    if (n >= max) break;
    size_t skip = first_block && first_len_ == first_sent_ ? block_sent_ : 0;
    first_block = false;
    if (b.len > skip) out[n++] = {b.data.get() + skip, b.len - skip};
  }
  return n;
}

void ReplyBuffer::Consume(size_t n) {
  consumed_total_ += n;
  size_ -= n;
  size_t from_first = first_len_ - first_sent_;
  if (n < from_first) {
    first_sent_ += n;
    return;
  }
  n -= from_first;
  first_sent_ = first_len_;
  while (n > 0 && !blocks_.empty()) {
    size_t left = blocks_.front().len - block_sent_;
    if (n < left) {
      block_sent_ += n;
      return;
    }
    n -= left;
    block_bytes_ -= blocks_.front().cap;
    blocks_.pop_front();
    block_sent_ = 0;
  }
  if (size_ == 0) ResetBlocks();
}

void ReplyBuffer::Clear() {
  consumed_total_ += size_;
  ResetBlocks();
}

void ReplyBuffer::DropAfter(uint64_t mark) {
  if (mark >= appended()) return;
  size_t n = static_cast<size_t>(appended() - mark);
  if (n > size_) n = size_;  // never below what was already written
  size_ -= n;
  // From the tail backwards: whole blocks go, the last one kept is cut.
  // Bounded by the number of blocks.
  while (n > 0 && !blocks_.empty()) {
    Block& b = blocks_.back();
    // The front block's sent prefix counts only once first_ is drained.
    const size_t sent = blocks_.size() == 1 && first_len_ == first_sent_ ? block_sent_ : 0;
    const size_t pending = b.len - sent;
    if (n < pending) {
      b.len -= n;
      n = 0;
      break;
    }
    n -= pending;
    if (sent != 0) {
      b.len = sent;  // every pending byte of the buffer was in it
      break;
    }
    block_bytes_ -= b.cap;
    blocks_.pop_back();
  }
  first_len_ -= n;  // what is left lies in first_'s pending part
  if (size_ == 0) {
    ResetBlocks();
    return;
  }
  if (blocks_.empty()) {
    tail_ = first_.get() + first_len_;
    tail_end_ = first_.get() + kFirstBlock;
    tail_len_ = &first_len_;
  } else {
    Block& b = blocks_.back();
    tail_ = b.data.get() + b.len;
    tail_end_ = b.data.get() + b.cap;
    tail_len_ = &b.len;
  }
}

void ReplyBuffer::ResetBlocks() {
  first_len_ = first_sent_ = 0;
  blocks_.clear();
  block_bytes_ = 0;
  block_sent_ = 0;
  size_ = 0;
  tail_ = first_.get();
  tail_end_ = tail_ + kFirstBlock;
  tail_len_ = &first_len_;
}

}  // namespace replikv
