#include "persistence/format/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace replikv::persistence {
namespace {

constexpr size_t kWriteBufferSize = 64 * 1024;

Status PosixError(const std::string& context, int err) {
  return Status::IOError(context, std::strerror(err));
}

// Writes all of [data, data+n), retrying short writes and EINTR.
Status WriteAll(int fd, const std::string& path, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError(path, errno);
    }
    if (w == 0) return Status::IOError(path, "write returned 0");
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buf_.reserve(kWriteBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close().IgnoreError();
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError(path_, "append to a closed file");
    if (buf_.size() + data.size() <= kWriteBufferSize) {
      buf_.append(data);
      return Status::OK();
    }
    Status s = Flush();
    if (!s.ok()) return s;
    if (data.size() < kWriteBufferSize) {
      buf_.append(data);
      return Status::OK();
    }
    return WriteAll(fd_, path_, data.data(), data.size());
  }

  Status Flush() override {
    if (fd_ < 0) return Status::IOError(path_, "flush of a closed file");
    Status s = WriteAll(fd_, path_, buf_.data(), buf_.size());
    // Drop the buffer even on failure: a retry could duplicate bytes that
    // a short write already put in the file.
    buf_.clear();
    return s;
  }

  Status Sync() override {
    Status s = Flush();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return PosixError(path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::IOError(path_, "file already closed");
    Status s = Flush();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_, errno);
    fd_ = -1;
    return s;
  }

 private:
  std::string path_;
  int fd_;
  std::string buf_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, std::string_view* result, char* scratch) override {
    for (;;) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = {};
        return PosixError(path_, errno);
      }
      *result = std::string_view(scratch, static_cast<size_t>(r));
      return Status::OK();
    }
  }

 private:
  std::string path_;
  int fd_;
};

class MemorySequentialFile final : public SequentialFile {
 public:
  explicit MemorySequentialFile(std::string_view data) : data_(data) {}
  Status Read(size_t n, std::string_view* result, char*) override {
    *result = data_.substr(0, n);
    data_.remove_prefix(result->size());
    return Status::OK();
  }

 private:
  std::string_view data_;
};

Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return PosixError(path, errno);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
}

}  // namespace

Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) {
  return OpenWritable(path, O_TRUNC);
}

Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) {
  return OpenWritable(path, O_APPEND);
}

Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return PosixError(path, errno);
  return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
}

std::unique_ptr<SequentialFile> NewMemorySequentialFile(std::string_view data) {
  return std::make_unique<MemorySequentialFile>(data);
}

Result<uint64_t> GetFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError(path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status ReadFileToString(const std::string& path, std::string* out) {
  auto file = NewSequentialFile(path);
  if (!file.ok()) return file.status();
  out->clear();
  char scratch[64 * 1024];
  for (;;) {
    std::string_view piece;
    Status s = (*file)->Read(sizeof(scratch), &piece, scratch);
    if (!s.ok()) return s;
    if (piece.empty()) return Status::OK();
    out->append(piece);
  }
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename " + from + " to " + to, errno);
  return Status::OK();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return PosixError(path, errno);
  return Status::OK();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError(dir, errno);
  Status s;
  if (::fsync(fd) != 0) s = PosixError(dir, errno);
  ::close(fd);
  return s;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string TempFilePath(const std::string& dir, std::string_view ext, pid_t pid) {
  return dir + "/temp-" + std::to_string(pid) + "." + std::string(ext);
}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(const std::string& target_path,
                                                                   std::string_view ext,
                                                                   const Wrapper& wrap) {
  std::string temp = TempFilePath(DirName(target_path), ext, ::getpid());
  auto file = NewWritableFile(temp);
  if (!file.ok()) return file.status();
  std::unique_ptr<WritableFile> f = std::move(*file);
  if (wrap) f = wrap(std::move(f));
  return std::unique_ptr<AtomicFileWriter>(
      new AtomicFileWriter(target_path, std::move(temp), std::move(f)));
}

AtomicFileWriter::AtomicFileWriter(std::string target, std::string temp,
                                   std::unique_ptr<WritableFile> file)
    : target_path_(std::move(target)), temp_path_(std::move(temp)), file_(std::move(file)) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) {
    file_.reset();  // closes it
    RemoveFile(temp_path_).IgnoreError();
  }
}

Status AtomicFileWriter::Commit() {
  // Sync before rename: otherwise after a crash the rename may be durable
  // while the data is not, leaving an empty or torn file under the target.
  Status s = file_->Sync();
  if (s.ok()) s = file_->Close();
  if (s.ok()) s = RenameFile(temp_path_, target_path_);
  if (!s.ok()) return s;  // the destructor removes the temp file
  committed_ = true;
  return SyncDirectory(DirName(target_path_));
}

Status WriteFileAtomically(const std::string& path, std::string_view ext,
                           std::string_view contents) {
  auto writer = AtomicFileWriter::Create(path, ext);
  if (!writer.ok()) return writer.status();
  Status s = (*writer)->file()->Append(contents);
  if (!s.ok()) return s;
  return (*writer)->Commit();
}

}  // namespace replikv::persistence
