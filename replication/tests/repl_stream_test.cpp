#include "replication/repl_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace replikv::repl {
namespace {

// Deterministic stream bytes: byte at position p (0-based) is a function of p,
// so any read can be checked against the offsets it claims.
char ByteAt(int64_t pos) { return static_cast<char>('a' + pos % 23); }

std::string Bytes(int64_t from, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = ByteAt(from + static_cast<int64_t>(i));
  return s;
}

void AppendN(ReplStream* s, size_t n) { s->Append(Bytes(s->end_offset(), n)); }

// Everything the reader has pending (up to 64 blocks), without consuming.
std::string ReadAll(const ReplStream& s, ReplStream::ReaderId r) {
  std::string out;
  uv_buf_t iov[64];
  size_t pending = s.PendingBytes(r);
  int n = s.GatherIov(r, iov, 64, pending);
  for (int i = 0; i < n; i++) out.append(iov[i].base, iov[i].len);
  return out;
}

// Sends everything pending, a few bytes per "write", as a slow socket would.
std::string Drain(ReplStream* s, ReplStream::ReaderId r, size_t chunk) {
  std::string out;
  while (s->PendingBytes(r) > 0) {
    uv_buf_t iov[4];
    int n = s->GatherIov(r, iov, 4, chunk);
    size_t got = 0;
    for (int i = 0; i < n; i++) {
      out.append(iov[i].base, iov[i].len);
      got += iov[i].len;
    }
    EXPECT_GT(got, 0u);
    s->Consume(r, got);
  }
  return out;
}

TEST(ReplStream, StartsEmptyWithoutBacklog) {
  ReplStream s(1024, 16);
  EXPECT_EQ(s.end_offset(), 0);
  EXPECT_FALSE(s.has_backlog());
  EXPECT_FALSE(s.CanServeFrom(0));
  EXPECT_EQ(s.memory_total(), 0u);
}

TEST(ReplStream, AppendWithoutBacklogOrReaderOnlyCounts) {
  ReplStream s(1024, 16);
  AppendN(&s, 100);
  EXPECT_EQ(s.end_offset(), 100);
  EXPECT_EQ(s.block_count(), 0u);
}

TEST(ReplStream, AppendAcrossBlockBoundaries) {
  ReplStream s(1024, 16);
  s.CreateBacklog();
  AppendN(&s, 5);
  AppendN(&s, 30);  // crosses two boundaries
  AppendN(&s, 11);  // ends exactly on a boundary (48)
  AppendN(&s, 1);
  EXPECT_EQ(s.end_offset(), 47);
  EXPECT_EQ(s.block_count(), 3u);
  auto r = s.AddReader(0);
  EXPECT_EQ(ReadAll(s, r), Bytes(0, 47));
}

TEST(ReplStream, ServesFromEveryOffsetInTheWindow) {
  ReplStream s(100, 16);
  s.CreateBacklog();
  for (int i = 0; i < 40; i++) AppendN(&s, 7);  // 280 bytes
  int64_t start = s.backlog_start();
  EXPECT_GE(s.backlog_histlen(), 100);
  EXPECT_FALSE(s.CanServeFrom(start - 1));
  for (int64_t off = start; off <= s.end_offset(); off++) {
    ASSERT_TRUE(s.CanServeFrom(off)) << off;
    auto r = s.AddReader(off);
    EXPECT_EQ(s.PendingBytes(r), static_cast<size_t>(s.end_offset() - off));
    EXPECT_EQ(Drain(&s, r, 5), Bytes(off, s.end_offset() - off)) << off;
    s.RemoveReader(r);
  }
  EXPECT_FALSE(s.CanServeFrom(s.end_offset() + 1));
}

TEST(ReplStream, BacklogKeepsAtLeastItsSizeAndTrimsWholeBlocks) {
  ReplStream s(100, 16);
  s.CreateBacklog();
  for (int i = 0; i < 100; i++) AppendN(&s, 9);
  EXPECT_GT(s.backlog_histlen(), 100);
  EXPECT_LE(s.backlog_histlen(), 100 + 16);
  EXPECT_EQ(s.backlog_first_byte_offset(), s.backlog_start() + 1);
  // Only the window's blocks are held: ceil(117/16) + 1 at most.
  EXPECT_LE(s.block_count(), 9u);
  auto w = s.window();
  EXPECT_TRUE(w.exists);
  EXPECT_EQ(w.first_byte_offset + w.histlen, s.end_offset() + 1);
}

TEST(ReplStream, GatherRespectsMaxBytesAndMaxIov) {
  ReplStream s(1024, 16);
  s.CreateBacklog();
  AppendN(&s, 100);
  auto r = s.AddReader(3);
  uv_buf_t iov[2];
  int n = s.GatherIov(r, iov, 2, 1000);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(iov[0].len, 13u);  // to the end of block 0
  EXPECT_EQ(iov[1].len, 16u);
  n = s.GatherIov(r, iov, 2, 20);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(iov[0].len + iov[1].len, 20u);
  s.Consume(r, 100 - 3);
  EXPECT_EQ(s.GatherIov(r, iov, 2, 1000), 0);
}

TEST(ReplStream, ReaderKeepsTrimmedBlocksAlive) {
  ReplStream s(32, 16);
  s.CreateBacklog();
  AppendN(&s, 10);
  auto r = s.AddReader(s.backlog_start());
  for (int i = 0; i < 50; i++) AppendN(&s, 10);  // 510 bytes
  // The backlog moved on; the reader still holds everything from 0.
  EXPECT_GT(s.backlog_start(), 0);
  EXPECT_FALSE(s.CanServeFrom(0));
  EXPECT_EQ(s.PendingBytes(r), 510u);
  EXPECT_GT(s.readers_only_memory(), 0u);
  size_t held = s.block_count();
  EXPECT_EQ(Drain(&s, r, 7), Bytes(0, 510));
  EXPECT_LT(s.block_count(), held);
  EXPECT_EQ(s.readers_only_memory(), 0u);
  EXPECT_EQ(s.memory_total(), s.backlog_memory());
}

TEST(ReplStream, RemovingLaggingReaderFreesItsBlocks) {
  ReplStream s(32, 16);
  s.CreateBacklog();
  auto r = s.AddReader(0);
  for (int i = 0; i < 64; i++) AppendN(&s, 16);
  EXPECT_EQ(s.block_count(), 64u);
  s.RemoveReader(r);
  EXPECT_LE(s.block_count(), 4u);
  EXPECT_EQ(s.reader_count(), 0u);
}

TEST(ReplStream, FullSyncReaderAtForkOffsetHoldsWritesDuringSave) {
  ReplStream s(16, 16);
  s.CreateBacklog();
  AppendN(&s, 40);
  int64_t fork_offset = s.end_offset();  // +FULLRESYNC <id> 40
  auto r = s.AddReader(fork_offset);
  EXPECT_EQ(s.PendingBytes(r), 0u);
  for (int i = 0; i < 30; i++) AppendN(&s, 13);  // writes during BGSAVE
  EXPECT_FALSE(s.CanServeFrom(fork_offset));
  EXPECT_EQ(Drain(&s, r, 1000), Bytes(fork_offset, 390));
}

TEST(ReplStream, ReaderAtBlockBoundaryBeforeBlockExists) {
  ReplStream s(1024, 16);
  s.CreateBacklog();
  AppendN(&s, 32);  // tail full; the next byte opens block 2
  auto r = s.AddReader(32);
  AppendN(&s, 5);
  EXPECT_EQ(Drain(&s, r, 3), Bytes(32, 5));
  // Consumed up to a boundary again.
  AppendN(&s, 11);
  EXPECT_EQ(Drain(&s, r, 100), Bytes(37, 11));
  EXPECT_EQ(s.ReaderOffset(r), 48);
  AppendN(&s, 1);
  EXPECT_EQ(ReadAll(s, r), Bytes(48, 1));
}

TEST(ReplStream, JoiningReaderStartsAtAnotherReadersOffset) {
  ReplStream s(16, 16);
  s.CreateBacklog();
  auto first = s.AddReader(0);
  for (int i = 0; i < 20; i++) AppendN(&s, 10);
  // A second replica joining the same BGSAVE copies the first one's position.
  ASSERT_TRUE(s.CanAddReaderAt(s.ReaderOffset(first)));
  auto second = s.AddReader(s.ReaderOffset(first));
  EXPECT_EQ(Drain(&s, second, 64), Bytes(0, 200));
  EXPECT_EQ(Drain(&s, first, 64), Bytes(0, 200));
}

TEST(ReplStream, CanAddReaderOnlyWhereBytesAreHeld) {
  ReplStream s(16, 16);
  s.CreateBacklog();
  for (int i = 0; i < 10; i++) AppendN(&s, 16);
  EXPECT_FALSE(s.CanAddReaderAt(0));
  EXPECT_TRUE(s.CanAddReaderAt(s.backlog_start()));
  EXPECT_TRUE(s.CanAddReaderAt(s.end_offset()));
  EXPECT_FALSE(s.CanAddReaderAt(s.end_offset() + 1));
}

TEST(ReplStream, ShrinkingBacklogKeepsNewestBytes) {
  ReplStream s(1000, 16);
  s.CreateBacklog();
  for (int i = 0; i < 100; i++) AppendN(&s, 10);
  EXPECT_TRUE(s.CanServeFrom(0));
  s.SetBacklogSize(100);
  EXPECT_FALSE(s.CanServeFrom(0));
  EXPECT_TRUE(s.CanServeFrom(s.end_offset() - 100));
  EXPECT_LE(s.backlog_histlen(), 100 + 16);
  auto r = s.AddReader(s.end_offset() - 100);
  EXPECT_EQ(ReadAll(s, r), Bytes(s.end_offset() - 100, 100));
}

TEST(ReplStream, ShrinkIsBoundedPerCallAndTrimFinishes) {
  ReplStream s(1 << 20, 16);
  s.CreateBacklog();
  for (int i = 0; i < 1000; i++) AppendN(&s, 16);  // 1000 blocks
  s.SetBacklogSize(16);
  EXPECT_EQ(s.block_count(), 1000u - ReplStream::kTrimBlocksPerAppend);
  while (s.Trim(100) > 0) {
  }
  EXPECT_LE(s.block_count(), 2u);
  EXPECT_TRUE(s.CanServeFrom(s.end_offset() - 16));
}

TEST(ReplStream, LargeAppendDoesNotOutgrowTheBacklog) {
  ReplStream s(64, 16);
  s.CreateBacklog();
  AppendN(&s, 10);
  AppendN(&s, 16 * 1000);  // one value spanning 1000 blocks
  EXPECT_LE(s.block_count(), 6u);
  EXPECT_TRUE(s.CanServeFrom(s.end_offset() - 64));
}

TEST(ReplStream, GrowingBacklogKeepsMoreHistoryFromNowOn) {
  ReplStream s(32, 16);
  s.CreateBacklog();
  for (int i = 0; i < 20; i++) AppendN(&s, 16);
  int64_t start = s.backlog_start();
  s.SetBacklogSize(1000);
  for (int i = 0; i < 20; i++) AppendN(&s, 16);
  EXPECT_EQ(s.backlog_start(), start);
  EXPECT_EQ(s.backlog_histlen(), s.end_offset() - start);
}

TEST(ReplStream, ManyReadersShareBlocks) {
  ReplStream one(1 << 20, 1024);
  ReplStream three(1 << 20, 1024);
  one.CreateBacklog();
  three.CreateBacklog();
  one.AddReader(0);
  for (int i = 0; i < 3; i++) three.AddReader(0);
  for (int i = 0; i < 100; i++) {
    AppendN(&one, 500);
    AppendN(&three, 500);
  }
  EXPECT_EQ(one.memory_total(), three.memory_total());
  EXPECT_LT(three.memory_total(), 50000u * 11 / 10 + 1024 * 2);
}

TEST(ReplStream, MemoryCountsBacklogAndReaderOnlyBlocks) {
  ReplStream s(64, 16);
  EXPECT_EQ(s.backlog_memory(), 0u);
  s.CreateBacklog();
  auto r = s.AddReader(0);
  for (int i = 0; i < 32; i++) AppendN(&s, 16);  // 32 blocks
  size_t per_block = s.memory_total() / s.block_count();
  EXPECT_GE(per_block, 16u);
  EXPECT_EQ(s.block_count(), 32u);
  // Window: 64 bytes + less than one block => 5 blocks at most.
  EXPECT_LE(s.backlog_memory(), 5 * per_block);
  EXPECT_EQ(s.backlog_memory() + s.readers_only_memory(), s.memory_total());
  EXPECT_EQ(s.ReaderMemory(r), s.memory_total());
  s.Consume(r, 16 * 30);
  EXPECT_EQ(s.ReaderMemory(r), 2 * per_block);
  EXPECT_EQ(s.readers_only_memory(), 0u);
}

TEST(ReplStream, FreeBacklogKeepsReadersData) {
  ReplStream s(64, 16);
  s.CreateBacklog();
  AppendN(&s, 50);
  auto r = s.AddReader(10);
  s.FreeBacklog();
  EXPECT_FALSE(s.has_backlog());
  EXPECT_FALSE(s.CanServeFrom(10));
  AppendN(&s, 20);
  EXPECT_EQ(Drain(&s, r, 9), Bytes(10, 60));
  s.RemoveReader(r);
  EXPECT_EQ(s.block_count(), 0u);
  AppendN(&s, 5);  // nobody reads: counted, not stored
  EXPECT_EQ(s.block_count(), 0u);
  EXPECT_EQ(s.end_offset(), 75);
}

TEST(ReplStream, BacklogCreatedMidBlockAfterEverythingWasFreed) {
  ReplStream s(64, 16);
  AppendN(&s, 21);  // not stored
  s.CreateBacklog();
  EXPECT_TRUE(s.CanServeFrom(21));
  EXPECT_FALSE(s.CanServeFrom(20));
  EXPECT_FALSE(s.CanAddReaderAt(20));
  AppendN(&s, 30);
  auto r = s.AddReader(21);
  EXPECT_EQ(ReadAll(s, r), Bytes(21, 30));
}

TEST(ReplStream, ResetBacklogStartsNewHistoryAtOffset) {
  ReplStream s(64, 16);
  s.CreateBacklog();
  AppendN(&s, 100);
  s.ResetBacklog(123456789);
  EXPECT_EQ(s.end_offset(), 123456789);
  EXPECT_EQ(s.backlog_histlen(), 0);
  EXPECT_EQ(s.backlog_first_byte_offset(), 123456790);
  EXPECT_TRUE(s.CanServeFrom(123456789));
  EXPECT_FALSE(s.CanServeFrom(100));
  AppendN(&s, 40);
  auto r = s.AddReader(123456789 + 3);
  EXPECT_EQ(ReadAll(s, r), Bytes(123456789 + 3, 37));
}

TEST(ReplStream, RandomizedReadersSeeExactStream) {
  // Several readers consuming at different paces while the backlog trims.
  ReplStream s(200, 32);
  s.CreateBacklog();
  std::vector<ReplStream::ReaderId> readers;
  std::vector<std::string> got(4);
  std::vector<int64_t> from(4);
  uint32_t seed = 12345;
  auto rnd = [&seed](uint32_t n) {
    seed = seed * 1103515245 + 12345;
    return (seed >> 8) % n;
  };
  for (int i = 0; i < 4; i++) {
    from[i] = s.end_offset();
    readers.push_back(s.AddReader(s.end_offset()));
    AppendN(&s, rnd(50));
  }
  for (int step = 0; step < 2000; step++) {
    AppendN(&s, rnd(40));
    int i = static_cast<int>(rnd(4));
    uv_buf_t iov[2];
    int n = s.GatherIov(readers[i], iov, 2, rnd(100));
    size_t total = 0;
    for (int k = 0; k < n; k++) {
      got[i].append(iov[k].base, iov[k].len);
      total += iov[k].len;
    }
    s.Consume(readers[i], total);
  }
  for (int i = 0; i < 4; i++) {
    got[i] += Drain(&s, readers[i], 1000);
    EXPECT_EQ(got[i], Bytes(from[i], s.end_offset() - from[i])) << i;
  }
  // Only the backlog's blocks remain once every reader caught up.
  EXPECT_EQ(s.readers_only_memory(), 0u);
}

}  // namespace
}  // namespace replikv::repl
