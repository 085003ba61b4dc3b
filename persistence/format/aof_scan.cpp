#include "persistence/format/aof_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "server/base/ascii.h"
#include "server/base/resp_parser.h"

namespace replikv::persistence {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// "#TS:<digits>\r\n" -> the seconds.
bool ParseTimestampAnnotation(std::string_view line, int64_t* ts) {
  constexpr std::string_view kPrefix = "#TS:";
  if (!line.starts_with(kPrefix) || !line.ends_with("\r\n")) return false;
  std::string_view digits = line.substr(kPrefix.size(), line.size() - kPrefix.size() - 2);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *ts);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// The unparsed tail of a file plus what is read next. Unlike std::string,
// making room does not zero the bytes read() is about to overwrite: a 1 MB
// memset per read was most of the time of a small file's load (the AOF fuzz
// target ran ~100 inputs a second).
class ReadBuffer {
 public:
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  char operator[](size_t i) const { return data_[i]; }
  // Position of the first `c` at or after `from`, or npos.
  size_t Find(char c, size_t from) const {
    const void* hit = from < size_ ? std::memchr(data_.get() + from, c, size_ - from) : nullptr;
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - data_.get()) : std::string::npos;
  }
  void DropFront(size_t n) {
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }
  // Room for `n` more bytes past size(); Commit says how many were filled.
  char* Reserve(size_t n) {
    if (cap_ - size_ < n) {
      size_t cap = std::max(cap_ * 2, size_ + n);
      std::unique_ptr<char[]> bigger(new char[cap]);
      if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
      data_ = std::move(bigger);
      cap_ = cap;
    }
    return data_.get() + size_;
  }
  void Commit(size_t n) { size_ += n; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace

Status WalkAofCommands(const std::string& path, uint64_t start_offset, bool strict,
                       std::optional<int64_t> cut_after_ts, AofScan* scan, const AofCommandFn& on_command) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path, std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { close(*f); });
  if (start_offset > 0 && lseek(fd, static_cast<off_t>(start_offset), SEEK_SET) < 0) {
    return Status::IOError("seek " + path, std::strerror(errno));
  }
  RespLimits limits;
  limits.max_bulk_len = SIZE_MAX;  // an AOF holds whatever clients were allowed to write
  RespParser parser(limits);
  ReadBuffer buf;
  size_t pos = 0;                   // parse position within buf
  uint64_t buf_offset = start_offset;  // file offset of buf[0]
  scan->valid_bytes = start_offset;
  bool eof = false;
  bool in_multi = false;
  uint64_t multi_start = 0;
  // Bounded: every round either consumes bytes of buf, reads more of the
  // file (finite), or returns.
  while (true) {
    bool need_more = false;
    if (pos < buf.size() && buf[pos] == '#') {
      // An annotation line (aof-timestamp-enabled writes "#TS:..."): skip
      // it. It is not handed to the parser, which would take it for an
      // inline command.
      size_t nl = buf.Find('\n', pos);
      if (nl != std::string::npos) {
        int64_t ts;
        if (cut_after_ts && !in_multi &&
            ParseTimestampAnnotation(std::string_view(buf.data() + pos, nl + 1 - pos), &ts) && ts > *cut_after_ts) {
          scan->found_cut = true;
          scan->cut_offset = buf_offset + pos;
          scan->file_bytes = scan->cut_offset;
          return Status::OK();
        }
        pos = nl + 1;
        if (!in_multi) scan->valid_bytes = buf_offset + pos;
        continue;
      }
      need_more = true;
    } else if (pos < buf.size() && buf[pos] != '*') {
      scan->error = "expected '*' at the start of a command";
      return Status::OK();
    } else if (pos == buf.size()) {
      need_more = true;
    }
    if (!need_more) {
      const uint64_t empties = parser.skipped_empty_commands();
      RespParser::State st = parser.Parse(buf.data() + pos, buf.size() - pos);
      if (parser.skipped_empty_commands() != empties) {
        // "*0" or "*-1": redis-server refuses to load such an AOF ("Bad
        // file format"), although redis-check-aof lets it pass.
        scan->error = "command with no arguments (*0)";
        return Status::OK();
      }
      if (st == RespParser::State::kError) {
        scan->error = parser.error();
        return Status::OK();
      }
      if (st == RespParser::State::kCommand) {
        const auto& argv = parser.args();
        const uint64_t begin = buf_offset + pos;
        const bool is_multi = EqualsIgnoreCase(argv[0], "multi");
        const bool is_exec = EqualsIgnoreCase(argv[0], "exec");
        if (strict) {
          // The parser skips the two bytes after a bulk unchecked, as
          // redis-server does; args view buf, so they can be checked here.
          for (std::string_view a : argv) {
            const char* after = a.data() + a.size();
            if (after[0] != '\r' || after[1] != '\n') {
              scan->error = "expected \\r\\n after an argument";
              return Status::OK();
            }
          }
          if (is_multi && in_multi) {
            scan->error = "unexpected MULTI inside a MULTI";
            return Status::OK();
          }
          if (is_exec && !in_multi) {
            scan->error = "unexpected EXEC without MULTI";
            return Status::OK();
          }
        }
        pos += parser.consumed();
        const uint64_t end = buf_offset + pos;
        if (is_multi) {
          in_multi = true;
          multi_start = begin;
        }
        Status s = on_command(argv);
        if (!s.ok()) return s;
        ++scan->commands;
        if (is_exec) in_multi = false;
        if (!in_multi) scan->valid_bytes = end;
        continue;
      }
      // kNeedMore: the parser keeps its progress; it is given the same
      // bytes again plus what is read next.
    }
    if (eof) {
      scan->file_bytes = buf_offset + buf.size();
      if (in_multi) {
        scan->valid_bytes = multi_start;
        scan->open_multi = true;
      }
      scan->truncated = scan->valid_bytes < scan->file_bytes;
      return Status::OK();
    }
    // Keep the unparsed tail, read more behind it. Nothing of the tail was
    // reported consumed, so the parser's offsets stay valid.
    if (pos > 0) {
      buf.DropFront(pos);
      buf_offset += pos;
      pos = 0;
    }
    char* room = buf.Reserve(kReadChunk);
    ssize_t n;
    do {
      n = read(fd, room, kReadChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Status::IOError("read " + path, std::strerror(errno));
    buf.Commit(static_cast<size_t>(n));
    if (n == 0) eof = true;
  }
}

bool StartsWithRdbMagic(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[5];
  ssize_t n = read(fd, magic, 5);
  close(fd);
  return n == 5 && std::memcmp(magic, "REDIS", 5) == 0;
}

std::string AofTimestampAnnotation(int64_t unix_s) { return "#TS:" + std::to_string(unix_s) + "\r\n"; }

Result<AofScan> ScanAofCommands(const std::string& path, uint64_t start_offset, std::optional<int64_t> cut_after_ts) {
  AofScan scan;
  Status st = WalkAofCommands(path, start_offset, /*strict=*/true, cut_after_ts, &scan,
                           [](const std::vector<std::string_view>&) { return Status::OK(); });
  if (!st.ok()) return st;
  return scan;
}

}  // namespace replikv::persistence
