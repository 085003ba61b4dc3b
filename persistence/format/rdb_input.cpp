#include "persistence/format/rdb_input.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "persistence/format/crc64.h"
#include "persistence/format/file.h"
#include "persistence/format/lzf_string.h"
#include "persistence/format/rdb_format.h"

namespace replikv::persistence {
namespace {

constexpr size_t kChunkSize = 64 * 1024;
// Reserve no more than this ahead of the bytes that actually arrived when the
// source size is unknown, so a lying length cannot make a large allocation.
constexpr size_t kMaxBlindReserve = 1 << 20;

}  // namespace

std::string RdbModuleName(uint64_t id) {
  // 6 bits a character, first character highest.
  static constexpr std::string_view kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, '?');
  id >>= 10;
  for (int i = 8; i >= 0; --i) {
    name[static_cast<size_t>(i)] = kChars[id & 63];
    id >>= 6;
  }
  return name;
}

RdbInput::RdbInput(SequentialFile* source, uint64_t source_size, uint64_t max_string_bytes)
    : source_(source), source_size_(source_size), max_string_bytes_(max_string_bytes) {
  scratch_.resize(kChunkSize);
}

uint64_t RdbInput::remaining() const {
  if (source_size_ == kUnknownSize) return kUnknownSize;
  return source_size_ > offset() ? source_size_ - offset() : 0;
}

// Redis 7.0's reason for a file that ends early (redis-check-rdb and the
// start-up log say it; operators grep for it), before our details.
constexpr std::string_view kEofWords = "Unexpected EOF reading RDB file: ";

Status RdbInput::Corrupt(uint64_t offset, std::string_view detail) {
  return Status::Corruption("rdb offset " + std::to_string(offset), detail);
}

Status RdbInput::Truncated(uint64_t start, uint64_t got, uint64_t wanted,
                           std::string_view what) const {
  return Corrupt(start, std::string(kEofWords) + "end of file after " + std::to_string(got) + " of " +
                            std::to_string(wanted) + " bytes, expected " + std::string(what));
}

uint64_t RdbInput::Crc() const { return Crc64(crc_, chunk_, pos_); }

Status RdbInput::Refill(bool* got) {
  crc_ = Crc64(crc_, chunk_, len_);
  chunk_offset_ += len_;
  pos_ = len_ = 0;
  std::string_view piece;
  Status s = source_->Read(scratch_.size(), &piece, scratch_.data());
  if (!s.ok()) return s;
  chunk_ = piece.data();
  len_ = piece.size();
  *got = len_ > 0;
  return Status::OK();
}

Status RdbInput::Read(void* dst, size_t n, std::string_view what) {
  const uint64_t start = offset();
  const size_t wanted = n;
  char* out = static_cast<char*>(dst);
  // Each pass consumes a chunk or ends, so this loop is bounded by the source.
  while (n > 0) {
    if (pos_ == len_) {
      bool got = false;
      Status s = Refill(&got);
      if (!s.ok()) return s;
      if (!got) return Truncated(start, wanted - n, wanted, what);
    }
    size_t take = std::min(n, len_ - pos_);
    std::memcpy(out, chunk_ + pos_, take);
    pos_ += take;
    out += take;
    n -= take;
  }
  return Status::OK();
}

Status RdbInput::ReadByte(uint8_t* b, std::string_view what) {
  if (pos_ < len_) {
    *b = static_cast<uint8_t>(chunk_[pos_++]);
    return Status::OK();
  }
  return Read(b, 1, what);
}

Status RdbInput::ReadLe(uint64_t* v, int bytes, std::string_view what) {
  unsigned char b[8];
  Status s = Read(b, static_cast<size_t>(bytes), what);
  if (!s.ok()) return s;
  *v = 0;
  for (int i = bytes - 1; i >= 0; --i) *v = (*v << 8) | b[i];
  return Status::OK();
}

Status RdbInput::ReadLength(uint64_t* len, bool* encoded, std::string_view what) {
  const uint64_t start = offset();
  uint8_t b;
  Status s = ReadByte(&b, what);
  if (!s.ok()) return s;
  *encoded = false;
  switch (b >> 6) {
    case kRdbLen6Bit: *len = b & 0x3F; return Status::OK();
    case kRdbLen14Bit: {
      uint8_t b2;
      s = ReadByte(&b2, what);
      *len = (static_cast<uint64_t>(b & 0x3F) << 8) | b2;
      return s;
    }
    case kRdbLenEncoded: *encoded = true; *len = b & 0x3F; return Status::OK();
    default: break;
  }
  if (b != kRdbLen32Bit && b != kRdbLen64Bit) {
    return Corrupt(start, "invalid length encoding byte " + std::to_string(b) + " for " +
                              std::string(what));
  }
  // The 32- and 64-bit forms are big-endian.
  int width = b == kRdbLen32Bit ? 4 : 8;
  unsigned char be[8];
  s = Read(be, static_cast<size_t>(width), what);
  if (!s.ok()) return s;
  *len = 0;
  for (int i = 0; i < width; ++i) *len = (*len << 8) | be[i];
  return Status::OK();
}

Status RdbInput::ReadLength(uint64_t* len, std::string_view what) {
  const uint64_t start = offset();
  bool encoded;
  Status s = ReadLength(len, &encoded, what);
  if (s.ok() && encoded) {
    return Corrupt(start, "string encoding where a length was expected for " + std::string(what));
  }
  return s;
}

Status RdbInput::ReadCount(uint64_t* count, uint64_t min_item_bytes, std::string_view what) {
  const uint64_t start = offset();
  Status s = ReadLength(count, what);
  if (!s.ok()) return s;
  uint64_t rest = remaining();
  if (rest != kUnknownSize && *count > rest / min_item_bytes) {
    // The file ends before the items could: Redis reads on and reports the
    // end of file, in the words it uses for one.
    return Corrupt(start, std::string(kEofWords) + std::string(what) + " " + std::to_string(*count) +
                              " cannot fit in the " + std::to_string(rest) + " bytes left");
  }
  return Status::OK();
}

Status RdbInput::ReadBytes(std::string* out, uint64_t n, std::string_view what,
                          uint64_t item_offset) {
  out->clear();
  return AppendBytes(out, n, what, item_offset);
}

Status RdbInput::AppendBytes(std::string* out, uint64_t n, std::string_view what,
                            uint64_t item_offset) {
  const uint64_t start = item_offset == kUnknownSize ? offset() : item_offset;
  uint64_t rest = remaining();
  if (n > max_string_bytes_ || (rest != kUnknownSize && n > rest)) {
    return Corrupt(start, std::string(n > max_string_bytes_ ? "" : kEofWords) + std::string(what) + " of " +
                              std::to_string(n) + " bytes exceeds " +
                              (n > max_string_bytes_ ? "the string size limit"
                                                     : "the " + std::to_string(rest) + " bytes left"));
  }
  const size_t base = out->size();
  if (rest != kUnknownSize) {
    // Bounded by the source size, checked above. Bytes already in this
    // chunk are appended directly, the common case for small strings.
    if (len_ - pos_ >= n) {
      out->append(chunk_ + pos_, n);
      pos_ += n;
      return Status::OK();
    }
    out->resize(base + n);
    return Read(out->data() + base, n, what);
  }
  // Unknown source size: grow with the bytes that arrive.
  out->reserve(base + std::min<uint64_t>(n, kMaxBlindReserve));
  while (out->size() - base < n) {
    size_t step = std::min<uint64_t>(n - (out->size() - base), kChunkSize);
    size_t old = out->size();
    out->resize(old + step);
    Status s = Read(out->data() + old, step, what);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status RdbInput::ReadString(std::string* out, std::string_view what) {
  out->clear();
  return AppendString(out, what);
}

Status RdbInput::AppendString(std::string* out, std::string_view what) {
  const uint64_t start = offset();
  uint64_t len;
  bool encoded;
  Status s = ReadLength(&len, &encoded, what);
  if (!s.ok()) return s;
  if (!encoded) return AppendBytes(out, len, what, start);
  switch (len) {
    case kRdbEncInt8:
    case kRdbEncInt16:
    case kRdbEncInt32: {
      int width = 1 << len;
      uint64_t u;
      s = ReadLe(&u, width, what);
      if (!s.ok()) return s;
      uint64_t sign = uint64_t{1} << (8 * width - 1);
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf),
                                     static_cast<int64_t>(u ^ sign) - static_cast<int64_t>(sign));
      (void)ec;  // 24 bytes hold any int64
      out->append(buf, static_cast<size_t>(end - buf));
      return Status::OK();
    }
    case kRdbEncLzf: {
      uint64_t clen, raw_len;
      s = ReadLength(&clen, what);
      if (s.ok()) s = ReadLength(&raw_len, what);
      if (!s.ok()) return s;
      // Bound the output by what the compressed bytes could possibly give,
      // before allocating it.
      if (raw_len > max_string_bytes_ || clen > UINT32_MAX || raw_len > LzfMaxExpansion(clen)) {
        return Corrupt(start, "LZF " + std::string(what) + " claims " + std::to_string(raw_len) +
                                  " bytes from " + std::to_string(clen) + " compressed");
      }
      s = ReadBytes(&lzf_scratch_, clen, what, start);
      if (!s.ok()) return s;
      // The common case (a whole value) decompresses in place; appending
      // goes through a scratch buffer.
      std::string* dst = out->empty() ? out : &lzf_out_;
      s = LzfDecompress(lzf_scratch_, raw_len, dst);
      if (!s.ok()) return Corrupt(start, s.message() + " in " + std::string(what));
      if (dst != out) out->append(*dst);
      return Status::OK();
    }
    default:
      return Corrupt(start, "unknown string encoding " + std::to_string(len) + " for " +
                                std::string(what));
  }
}

}  // namespace replikv::persistence
