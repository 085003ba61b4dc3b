// Files for the on-disk formats: a buffered writable file, a sequential
// readable file, and atomic replacement of a file.
//
// The two file classes are the seam for fault injection (like leveldb's
// WritableFile in include/leveldb/env.h): code that writes RDB or AOF takes
// a WritableFile*, and tests hand it a fake that fails or drops unsynced
// bytes. Every failure is a Status::IOError carrying the path and errno text;
// a full disk (ENOSPC) surfaces on Append, Flush, Sync or Close, never later.
// Files are created 0600. Not thread-safe: one thread per file object.
//
// Atomic replacement (every file replikv replaces):
//   write "<dir>/temp-<pid>.<ext>" -> fsync it -> rename over the target ->
//   fsync <dir>
// so a crash at any moment leaves either the old target or the new one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/base/status.h"

namespace replikv::persistence {

class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;

  // Adds `data` at the end. May only buffer it: bytes reach the kernel on
  // Flush, Sync or Close (or when the buffer fills).
  virtual Status Append(std::string_view data) = 0;
  // Hands buffered bytes to the kernel.
  virtual Status Flush() = 0;
  // Flush, then make the bytes durable (fdatasync).
  virtual Status Sync() = 0;
  // Flush and close. Further calls are errors. The destructor closes an
  // unclosed file and ignores errors, so call Close to see them.
  virtual Status Close() = 0;
};

class SequentialFile {
 public:
  SequentialFile() = default;
  SequentialFile(const SequentialFile&) = delete;
  SequentialFile& operator=(const SequentialFile&) = delete;
  virtual ~SequentialFile() = default;

  // Reads up to `n` bytes. *result is set to the bytes read, which may live
  // in `scratch` (n bytes the caller owns) or elsewhere, and stay valid until
  // the next call. Fewer than `n` bytes do not mean end of file; an empty
  // *result does.
  virtual Status Read(size_t n, std::string_view* result, char* scratch) = 0;
};

// Creates or truncates `path` for writing (mode 0600).
Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path);
// Opens `path` for appending, creating it if needed (mode 0600).
Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path);
Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path);
// Reads from memory; `data` must outlive the file. For tests and for
// payloads already in memory.
std::unique_ptr<SequentialFile> NewMemorySequentialFile(std::string_view data);

Result<uint64_t> GetFileSize(const std::string& path);
// Reads a whole file into *out (for small files: manifests, tests).
Status ReadFileToString(const std::string& path, std::string* out);
Status RenameFile(const std::string& from, const std::string& to);
// It is not an error if `path` did not exist.
Status RemoveFile(const std::string& path);
// fsyncs a directory so that renames and creations in it are durable.
Status SyncDirectory(const std::string& dir);
// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(const std::string& path);
// "<dir>/temp-<pid>.<ext>", the name Redis uses for a file being written.
std::string TempFilePath(const std::string& dir, std::string_view ext, pid_t pid);

// Writes a file under its temporary name and, on Commit, puts it in place of
// the target atomically (see the file comment). If Commit is never called or
// fails, the destructor removes the temporary file and the target is left
// as it was.
class AtomicFileWriter {
 public:
  // Wraps the opened temporary file, e.g. in a fault-injecting fake.
  using Wrapper = std::function<std::unique_ptr<WritableFile>(std::unique_ptr<WritableFile>)>;

  // Opens "<dir of target>/temp-<getpid()>.<ext>".
  static Result<std::unique_ptr<AtomicFileWriter>> Create(const std::string& target_path,
                                                          std::string_view ext,
                                                          const Wrapper& wrap = nullptr);
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  // Where the contents go until Commit.
  WritableFile* file() { return file_.get(); }
  const std::string& temp_path() const { return temp_path_; }
  // Sync, Close, rename over the target, sync the directory. Returns the
  // first failure; after a failure before the rename the target is intact.
  Status Commit();

 private:
  AtomicFileWriter(std::string target, std::string temp, std::unique_ptr<WritableFile> file);

  std::string target_path_;
  std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool committed_ = false;
};

// One-shot form of AtomicFileWriter for contents already in memory.
Status WriteFileAtomically(const std::string& path, std::string_view ext,
                           std::string_view contents);

}  // namespace replikv::persistence
