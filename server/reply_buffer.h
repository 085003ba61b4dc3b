// ReplyBuffer: a client's pending output, in RESP2.
//
// A fixed first block (most replies fit, no allocation) followed by a list of
// large blocks for big or many replies. The connection drains it once per
// loop iteration with as few syscalls as possible (see Client::Flush). It
// knows its size so output-buffer limits can be checked after every command.
// Owned by one Client; loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
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
  static constexpr size_t kBlock = 64 * 1024;

  ReplyBuffer();
  ReplyBuffer(const ReplyBuffer&) = delete;
  ReplyBuffer& operator=(const ReplyBuffer&) = delete;

  // Raw bytes, already RESP-encoded.
  void Append(std::string_view bytes);
  void AddOk() { Append("+OK\r\n"); }
  void AddSimple(std::string_view s);          // +s
  // "-ERR msg"; a text that brings its own code starts with '-'
  // ("-WRONGTYPE Operation against...").
  void AddError(std::string_view msg);
  void AddInt(int64_t v);                     // :v
  void AddBulk(std::string_view s);           // $len s
  void AddNullBulk() { Append("$-1\r\n"); }
  void AddNullArray() { Append("*-1\r\n"); }
  void AddArrayLen(size_t n);                 // *n
  void AddDouble(double v);                   // bulk, Redis's %.17g form
  // A bulk reply of the decimal form of v (INCRBYFLOAT's style of output is
  // formatted by the caller).
  void AddBulkInt(int64_t v);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Where error replies are counted; may be null.
  void set_error_stats(ErrorStats* stats) { error_stats_ = stats; }
  // Error replies added so far (commandstats failed_calls, total_error_replies).
  uint64_t errors() const { return errors_; }

  // The pending bytes as up to `max` pieces, in order.
  size_t Pieces(std::string_view* out, size_t max) const;
  // Drops the first n pending bytes (they were written).
  void Consume(size_t n);
  void Clear();

 private:
  char* Reserve(size_t n);  // room for n contiguous bytes at the tail
  void Commit(size_t n) { tail_len() += n; size_ += n; }
  size_t& tail_len() { return blocks_.empty() ? first_len_ : blocks_.back().len; }

  struct Block {
    std::unique_ptr<char[]> data;
    size_t cap = 0;
    size_t len = 0;
  };
  std::unique_ptr<char[]> first_;
  size_t first_len_ = 0;
  size_t first_sent_ = 0;  // consumed prefix of first_
  std::deque<Block> blocks_;
  size_t block_sent_ = 0;  // consumed prefix of blocks_.front() once first_ is drained
  size_t size_ = 0;
  uint64_t errors_ = 0;
  ErrorStats* error_stats_ = nullptr;
};

}  // namespace replikv
