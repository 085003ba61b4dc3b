#include "persistence/format/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace replikv::persistence {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/replikv_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }
  std::string Read(const std::string& path) {
    std::string out;
    EXPECT_TRUE(ReadFileToString(path, &out).ok());
    return out;
  }
  std::string dir_;
};

TEST_F(FileTest, AppendedBytesReadBackInOrder) {
  std::string path = dir_ + "/f";
  auto f = NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  std::string expect;
  for (size_t n : {size_t{1}, size_t{100}, size_t{70000}, size_t{3}, size_t{200000}}) {
    std::string piece(n, static_cast<char>('a' + n % 26));
    ASSERT_TRUE((*f)->Append(piece).ok());
    expect += piece;
  }
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(Read(path), expect);
  auto size = GetFileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, expect.size());
}

TEST_F(FileTest, CreatedFilesAreOwnerOnly) {
  std::string path = dir_ + "/f";
  auto f = NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileTest, WritableFileTruncatesAndAppendableFileAppends) {
  std::string path = dir_ + "/f";
  ASSERT_TRUE(WriteFileAtomically(path, "tmp", "old contents").ok());
  {
    auto f = NewAppendableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("+more").ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  EXPECT_EQ(Read(path), "old contents+more");
  {
    auto f = NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("new").ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  EXPECT_EQ(Read(path), "new");
}

TEST_F(FileTest, FullDiskIsAnErrorOnFlush) {
  auto f = NewWritableFile("/dev/full");
  if (!f.ok()) GTEST_SKIP() << "/dev/full unavailable";
  ASSERT_TRUE((*f)->Append("small").ok());  // only buffered
  Status s = (*f)->Flush();
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
}

TEST_F(FileTest, FullDiskIsAnErrorOnBigAppendSyncAndClose) {
  auto f = NewWritableFile("/dev/full");
  if (!f.ok()) GTEST_SKIP() << "/dev/full unavailable";
  EXPECT_TRUE((*f)->Append(std::string(200000, 'x')).IsIOError());
  ASSERT_TRUE((*f)->Append("tail").ok());
  EXPECT_TRUE((*f)->Sync().IsIOError());
  ASSERT_TRUE((*f)->Append("tail").ok());
  EXPECT_TRUE((*f)->Close().IsIOError());
  EXPECT_TRUE((*f)->Append("x").IsIOError());  // closed
}

TEST_F(FileTest, OpenErrorsNameThePathAndErrno) {
  auto f = NewWritableFile(dir_ + "/missing/dir/f");
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(f.status().IsIOError());
  EXPECT_NE(f.status().message().find("missing/dir/f"), std::string::npos);
  EXPECT_NE(f.status().message().find("No such file or directory"), std::string::npos);
  EXPECT_TRUE(NewSequentialFile(dir_ + "/nope").status().IsIOError());
  EXPECT_TRUE(GetFileSize(dir_ + "/nope").status().IsIOError());
}

TEST_F(FileTest, SequentialFileReadsInPiecesThenEmpty) {
  std::string path = dir_ + "/f";
  ASSERT_TRUE(WriteFileAtomically(path, "tmp", "0123456789").ok());
  auto f = NewSequentialFile(path);
  ASSERT_TRUE(f.ok());
  char scratch[4];
  std::string got;
  std::string_view piece;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*f)->Read(sizeof(scratch), &piece, scratch).ok());
    if (piece.empty()) break;
    EXPECT_LE(piece.size(), 4u);
    got += piece;
  }
  EXPECT_EQ(got, "0123456789");
  EXPECT_TRUE(piece.empty());
}

TEST_F(FileTest, MemorySequentialFile) {
  auto f = NewMemorySequentialFile("abcdef");
  std::string_view piece;
  ASSERT_TRUE(f->Read(4, &piece, nullptr).ok());
  EXPECT_EQ(piece, "abcd");
  ASSERT_TRUE(f->Read(4, &piece, nullptr).ok());
  EXPECT_EQ(piece, "ef");
  ASSERT_TRUE(f->Read(4, &piece, nullptr).ok());
  EXPECT_TRUE(piece.empty());
}

TEST_F(FileTest, PathHelpers) {
  EXPECT_EQ(DirName("a/b/c.rdb"), "a/b");
  EXPECT_EQ(DirName("c.rdb"), ".");
  EXPECT_EQ(DirName("/c.rdb"), "/");
  EXPECT_EQ(TempFilePath("/data", "rdb", 1234), "/data/temp-1234.rdb");
}

TEST_F(FileTest, RemoveMissingFileIsNotAnError) {
  EXPECT_TRUE(RemoveFile(dir_ + "/nope").ok());
}

TEST_F(FileTest, AtomicWriterReplacesOnlyOnCommit) {
  std::string target = dir_ + "/dump.rdb";
  ASSERT_TRUE(WriteFileAtomically(target, "rdb", "old").ok());
  auto w = AtomicFileWriter::Create(target, "rdb");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->temp_path(), TempFilePath(dir_, "rdb", getpid()));
  ASSERT_TRUE((*w)->file()->Append("new").ok());
  EXPECT_EQ(Read(target), "old");
  EXPECT_TRUE(Exists((*w)->temp_path()));
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(Read(target), "new");
  EXPECT_FALSE(Exists((*w)->temp_path()));
}

TEST_F(FileTest, AbandonedAtomicWriterRemovesItsTempFile) {
  std::string target = dir_ + "/dump.rdb";
  ASSERT_TRUE(WriteFileAtomically(target, "rdb", "old").ok());
  std::string temp;
  {
    auto w = AtomicFileWriter::Create(target, "rdb");
    ASSERT_TRUE(w.ok());
    temp = (*w)->temp_path();
    ASSERT_TRUE((*w)->file()->Append("half written").ok());
  }
  EXPECT_FALSE(Exists(temp));
  EXPECT_EQ(Read(target), "old");
}

// Records the calls made on a file, keeps only synced bytes as "durable",
// and can fail a chosen call: a crash model in the manner of leveldb's
// fault_injection_test.
class FaultyFile : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> base, std::vector<std::string>* log,
             std::string* durable, std::string fail_on)
      : base_(std::move(base)), log_(log), durable_(durable), fail_on_(std::move(fail_on)) {}
  Status Append(std::string_view data) override {
    log_->push_back("Append");
    if (fail_on_ == "Append") return Status::IOError("fake", "No space left on device");
    pending_ += data;
    return base_->Append(data);
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    log_->push_back("Sync");
    if (fail_on_ == "Sync") return Status::IOError("fake", "Input/output error");
    *durable_ += pending_;
    pending_.clear();
    return base_->Sync();
  }
  Status Close() override {
    log_->push_back("Close");
    return base_->Close();
  }

 private:
  std::unique_ptr<WritableFile> base_;
  std::vector<std::string>* log_;
  std::string* durable_;
  std::string fail_on_;
  std::string pending_;
};

TEST_F(FileTest, CommitSyncsEveryByteBeforeTheRename) {
  std::string target = dir_ + "/dump.rdb";
  std::vector<std::string> log;
  std::string durable;
  auto w = AtomicFileWriter::Create(target, "rdb", [&](std::unique_ptr<WritableFile> f) {
    return std::make_unique<FaultyFile>(std::move(f), &log, &durable, "");
  });
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->file()->Append("part1").ok());
  ASSERT_TRUE((*w)->file()->Append("part2").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(log, (std::vector<std::string>{"Append", "Append", "Sync", "Close"}));
  // A crash right after the rename keeps only synced bytes: all of them.
  EXPECT_EQ(durable, "part1part2");
  EXPECT_EQ(Read(target), "part1part2");
}

TEST_F(FileTest, FailedSyncLeavesTheOldTargetAndNoTempFile) {
  std::string target = dir_ + "/dump.rdb";
  ASSERT_TRUE(WriteFileAtomically(target, "rdb", "old").ok());
  std::vector<std::string> log;
  std::string durable;
  auto w = AtomicFileWriter::Create(target, "rdb", [&](std::unique_ptr<WritableFile> f) {
    return std::make_unique<FaultyFile>(std::move(f), &log, &durable, "Sync");
  });
  ASSERT_TRUE(w.ok());
  std::string temp = (*w)->temp_path();
  ASSERT_TRUE((*w)->file()->Append("new").ok());
  Status s = (*w)->Commit();
  EXPECT_TRUE(s.IsIOError());
  w->reset();
  EXPECT_EQ(Read(target), "old");
  EXPECT_FALSE(Exists(temp));
}

TEST_F(FileTest, FailedAppendSurfaces) {
  std::vector<std::string> log;
  std::string durable;
  auto w = AtomicFileWriter::Create(dir_ + "/x", "rdb", [&](std::unique_ptr<WritableFile> f) {
    return std::make_unique<FaultyFile>(std::move(f), &log, &durable, "Append");
  });
  ASSERT_TRUE(w.ok());
  Status s = (*w)->file()->Append("data");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find("No space left"), std::string::npos);
}

TEST_F(FileTest, RenameAcrossMissingDirectoryFails) {
  std::string target = dir_ + "/gone/dump.rdb";
  auto w = AtomicFileWriter::Create(target, "rdb");
  EXPECT_FALSE(w.ok());  // the temp file lives in the target's directory
}

}  // namespace
}  // namespace replikv::persistence
