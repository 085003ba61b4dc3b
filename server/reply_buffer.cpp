#include "server/reply_buffer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace replikv {

ReplyBuffer::ReplyBuffer() : first_(new char[kFirstBlock]) {}

char* ReplyBuffer::Reserve(size_t n) {
  if (blocks_.empty() && first_len_ + n <= kFirstBlock) return first_.get() + first_len_;
  if (!blocks_.empty()) {
    Block& b = blocks_.back();
    if (b.len + n <= b.cap) return b.data.get() + b.len;
  }
  Block b;
  b.cap = n > kBlock ? n : kBlock;
  b.data.reset(new char[b.cap]);
  blocks_.push_back(std::move(b));
  return blocks_.back().data.get();
}

void ReplyBuffer::Append(std::string_view bytes) {
  // Fill the tail block first, then spill: a big reply never needs one
  // contiguous copy of itself except in its own block.
  while (!bytes.empty()) {
    size_t room;
    char* dst;
    if (blocks_.empty() && first_len_ < kFirstBlock) {
      room = kFirstBlock - first_len_;
      dst = first_.get() + first_len_;
    } else if (!blocks_.empty() && blocks_.back().len < blocks_.back().cap) {
      room = blocks_.back().cap - blocks_.back().len;
      dst = blocks_.back().data.get() + blocks_.back().len;
    } else {
      dst = Reserve(bytes.size());
      room = bytes.size();
    }
    size_t n = bytes.size() < room ? bytes.size() : room;
    std::memcpy(dst, bytes.data(), n);
    Commit(n);
    bytes.remove_prefix(n);
  }
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
  if (v == 0) return Append(":0\r\n");
  if (v == 1) return Append(":1\r\n");
  char* p = Reserve(24);
  p[0] = ':';
  auto [end, ec] = std::to_chars(p + 1, p + 22, v);
  (void)ec;
  end[0] = '\r';
  end[1] = '\n';
  Commit(static_cast<size_t>(end + 2 - p));
}

void ReplyBuffer::AddArrayLen(size_t n) {
  char* p = Reserve(24);
  p[0] = '*';
  auto [end, ec] = std::to_chars(p + 1, p + 22, n);
  (void)ec;
  end[0] = '\r';
  end[1] = '\n';
  Commit(static_cast<size_t>(end + 2 - p));
}

void ReplyBuffer::AddBulk(std::string_view s) {
  if (s.size() <= 4096) {
    char* p = Reserve(s.size() + 32);
    char* q = p;
    *q++ = '$';
    q = std::to_chars(q, q + 21, s.size()).ptr;
    *q++ = '\r';
    *q++ = '\n';
    std::memcpy(q, s.data(), s.size());
    q += s.size();
    *q++ = '\r';
    *q++ = '\n';
    Commit(static_cast<size_t>(q - p));
    return;
  }
  char head[32];
  head[0] = '$';
  char* q = std::to_chars(head + 1, head + 22, s.size()).ptr;
  *q++ = '\r';
  *q++ = '\n';
  Append({head, static_cast<size_t>(q - head)});
  Append(s);
  Append("\r\n");
}

void ReplyBuffer::AddBulkInt(int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  AddBulk({buf, static_cast<size_t>(end - buf)});
}

void ReplyBuffer::AddDouble(double v) {
  char buf[64];
  int n;
  if (std::isinf(v)) {
    n = std::snprintf(buf, sizeof(buf), "%s", v > 0 ? "inf" : "-inf");
  } else {
    n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  }
  AddBulk({buf, static_cast<size_t>(n)});
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
    blocks_.pop_front();
    block_sent_ = 0;
  }
  if (size_ == 0) Clear();
}

void ReplyBuffer::Clear() {
  first_len_ = first_sent_ = 0;
  blocks_.clear();
  block_sent_ = 0;
  size_ = 0;
}

}  // namespace replikv
