// ReplyBuffer: a client's pending output, in the client's protocol (RESP2,
// or RESP3 after HELLO 3).
//
// A fixed first block (most replies fit, no allocation) followed by a list of
// large blocks for big or many replies. The connection drains it once per
// loop iteration with as few syscalls as possible (see Client::Flush). It
// knows its size so output-buffer limits can be checked after every command.
// Owned by one Client; loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace replikv {

// Server-wide error reply counters (INFO stats total_error_replies and INFO
// errorstats), fed by every ReplyBuffer::AddError.
struct ErrorStats {
  uint64_t total = 0;
  std::unordered_map<std::string, uint64_t> by_code;  // "ERR", "WRONGTYPE"...
};

class ReplyBuffer {
 public:
  static constexpr size_t kFirstBlock = 16 * 1024;
  // The blocks after the first, Redis's reply chunk size too. A pipelined
  // load spills a little past the first block on every loop iteration: at
  // 16 KB jemalloc serves those from its thread cache, where 64 KB blocks
  // went through the arena each time and left ~1 MB of dirty pages (RSS) at
  // the end of a load (bench/RESULTS.md, streams). A bigger reply than a
  // block still gets one block of its own size.
  static constexpr size_t kBlock = 16 * 1024;
  // Bulk payloads up to this size are copied in one reservation with their
  // header; larger ones are appended piecewise.
  static constexpr size_t kSmallBulk = 4096;

  ReplyBuffer();
  ReplyBuffer(const ReplyBuffer&) = delete;
  ReplyBuffer& operator=(const ReplyBuffer&) = delete;

  // Raw bytes, already RESP-encoded.
  void Append(std::string_view bytes) {
    if (bytes.size() <= static_cast<size_t>(tail_end_ - tail_)) {
      std::memcpy(tail_, bytes.data(), bytes.size());
      Commit(bytes.size());
      return;
    }
    AppendSlow(bytes);
  }
  void AddOk() { Append("+OK\r\n"); }
  void AddSimple(std::string_view s);          // +s
  // "-ERR msg"; a text that brings its own code starts with '-'
  // ("-WRONGTYPE Operation against...").
  void AddError(std::string_view msg);
  void AddInt(int64_t v);                     // :v
  // $len s. Inline: LRANGE and friends add one per element, and the common
  // short bulk is one bounds check, a header of a few bytes and a memcpy.
  void AddBulk(std::string_view s) {
    if (s.size() <= kSmallBulk) {
      char* p = Reserve(s.size() + kBulkOverhead);
      char* q = WriteBulkHeader(p, s.size());
      CopyPayload(q, s);
      q += s.size();
      q[0] = '\r';
      q[1] = '\n';
      Commit(static_cast<size_t>(q + 2 - p));
      return;
    }
    AddBigBulk(s);
  }
  // n bulks in a row (LRANGE's elements): the same bytes as n AddBulk
  // calls, written through a local cursor that is committed once.
  void AddBulks(const std::string_view* items, size_t n);
  // The nil of a bulk or an array: "$-1" / "*-1" in RESP2, "_" in RESP3.
  void AddNullBulk() { Append(resp3_ ? std::string_view("_\r\n") : std::string_view("$-1\r\n")); }
  void AddNullArray() { Append(resp3_ ? std::string_view("_\r\n") : std::string_view("*-1\r\n")); }
  void AddArrayLen(size_t n);                 // *n
  // The protocol-aware aggregates and scalars. In RESP2 each falls back to
  // what Redis 7.0 sends a RESP2 client: a map of n pairs is an array of 2n
  // elements, a set and a push are arrays, a double is a bulk.
  void AddMapLen(size_t n) { AddAggregateLen(resp3_ ? '%' : '*', resp3_ ? n : 2 * n); }  // %n
  void AddSetLen(size_t n) { AddAggregateLen(resp3_ ? '~' : '*', n); }                    // ~n
  void AddPushLen(size_t n) { AddAggregateLen(resp3_ ? '>' : '*', n); }                   // >n
  // An array of n pairs (WITHSCORES, WITHVALUES): 2n flat elements in
  // RESP2, n two-element arrays in RESP3, each opened by AddPairHeader().
  void AddPairArrayLen(size_t n) { AddArrayLen(resp3_ ? n : 2 * n); }
  void AddPairHeader() {
    if (resp3_) Append("*2\r\n");
  }
  // A double: ",v" in RESP3, a bulk in RESP2; Redis's %.17g form, inf/-inf.
  void AddDouble(double v);
  // A double that stays a bulk in both protocols (GEODIST, INCRBYFLOAT's
  // kind of replies are formatted by the caller and sent with AddBulk).
  void AddBulkDouble(double v);
  // A double already formatted by the caller (GEOPOS's "human" long double
  // form): ",text" in RESP3, a bulk in RESP2.
  void AddDoubleText(std::string_view text);
  // "#t"/"#f" in RESP3, :1/:0 in RESP2 (Redis's addReplyBool; a Lua false
  // becomes a nil in RESP2, which the script conversion does itself).
  void AddBool(bool v);
  // "(digits" in RESP3, a bulk in RESP2.
  void AddBigNumber(std::string_view digits);
  // "=len\r\ntxt:..." in RESP3 (format is three characters, "txt" or
  // "mkd"), a plain bulk in RESP2.
  void AddVerbatim(std::string_view text, std::string_view format = "txt");
  // A bulk reply of the decimal form of v (INCRBYFLOAT's style of output is
  // formatted by the caller).
  void AddBulkInt(int64_t v);

  // The protocol replies are encoded in: 2 or 3 (HELLO, RESET).
  int resp() const { return resp3_ ? 3 : 2; }
  void set_resp(int v) { resp3_ = v == 3; }
  bool resp3() const { return resp3_; }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes the buffer holds allocated: the first block and every block
  // behind it, used or not (client eviction counts these).
  size_t allocated() const { return kFirstBlock + block_bytes_; }
  // Where error replies are counted; may be null.
  void set_error_stats(ErrorStats* stats) { error_stats_ = stats; }
  // Error replies added so far (commandstats failed_calls, total_error_replies).
  uint64_t errors() const { return errors_; }

  // The pending bytes as up to `max` pieces, in order.
  size_t Pieces(std::string_view* out, size_t max) const;
  // Drops the first n pending bytes (they were written).
  void Consume(size_t n);
  // Drops every pending byte (they count as consumed for appended()).
  void Clear();

  // Bytes ever added, written or not: a position that stays meaningful
  // while earlier bytes are written and consumed. CLIENT REPLY OFF|SKIP
  // marks one and later drops what followed it (DropAfter).
  uint64_t appended() const { return consumed_total_ + size_; }
  // Drops the bytes added after position `mark` (an earlier appended()).
  // Bytes already handed to the socket are never dropped: a mark taken
  // before them counts as taken at the first pending byte. Pieces of an
  // earlier Pieces() call that lie before the mark stay valid.
  void DropAfter(uint64_t mark);

 private:
  // '$' + up to 20 digits + CRLF before the payload, CRLF after it.
  static constexpr size_t kBulkOverhead = 1 + 20 + 2 + 2;

  // Room for n contiguous bytes at the tail; the pointer stays valid until
  // the next Commit.
  char* Reserve(size_t n) {
    if (n <= static_cast<size_t>(tail_end_ - tail_)) return tail_;
    return ReserveSlow(n);
  }
  char* ReserveSlow(size_t n);  // starts a new block of at least n bytes
  void Commit(size_t n) {
    tail_ += n;
    *tail_len_ += n;
    size_ += n;
  }
  void AppendSlow(std::string_view bytes);
  // Empties the buffer without counting anything as consumed.
  void ResetBlocks();
  void AddBigBulk(std::string_view s);
  void AddAggregateLen(char type, size_t n);  // type + n + CRLF
  // Writes "$<len>\r\n" at p; returns the end. Room: kBulkOverhead - 2.
  static char* WriteBulkHeader(char* p, size_t len) {
    *p++ = '$';
    if (len < 10) {
      *p++ = static_cast<char>('0' + len);
    } else if (len < 100) {
      p[0] = static_cast<char>('0' + len / 10);
      p[1] = static_cast<char>('0' + len % 10);
      p += 2;
    } else {
      p = WriteDecimal(p, len);
    }
    p[0] = '\r';
    p[1] = '\n';
    return p + 2;
  }
  static char* WriteDecimal(char* p, uint64_t v);  // up to 20 digits
  // memcpy of a payload, with the short cases (most list, set and hash
  // elements) as a few overlapping moves instead of a library call. Reads
  // only s's bytes; dst has room for s.size().
  static void CopyPayload(char* dst, std::string_view s) {
    const char* src = s.data();
    size_t n = s.size();
    if (n > 16) {
      std::memcpy(dst, src, n);
    } else if (n >= 8) {
      uint64_t a, b;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, src, 4);
      std::memcpy(&b, src + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else if (n > 0) {
      // 1..3 bytes: first, middle and last (they overlap when n < 3).
      dst[0] = src[0];
      dst[n / 2] = src[n / 2];
      dst[n - 1] = src[n - 1];
    }
  }

  struct Block {
    std::unique_ptr<char[]> data;
    size_t cap = 0;
    size_t len = 0;
  };
  std::unique_ptr<char[]> first_;
  size_t first_len_ = 0;
  size_t first_sent_ = 0;  // consumed prefix of first_
  // Blocks hold their place in the deque: push_back and pop_front leave
  // references to the other elements valid, so tail_len_ may point into it.
  std::deque<Block> blocks_;
  size_t block_bytes_ = 0;  // capacity of blocks_
  size_t block_sent_ = 0;  // consumed prefix of blocks_.front() once first_ is drained
  // The write position: [tail_, tail_end_) is the free room of the last
  // block (first_ while blocks_ is empty), *tail_len_ that block's length.
  char* tail_ = nullptr;
  char* tail_end_ = nullptr;
  size_t* tail_len_ = nullptr;
  size_t size_ = 0;
  uint64_t errors_ = 0;
  uint64_t consumed_total_ = 0;  // bytes consumed or cleared, ever
  ErrorStats* error_stats_ = nullptr;
  bool resp3_ = false;
};

}  // namespace replikv
