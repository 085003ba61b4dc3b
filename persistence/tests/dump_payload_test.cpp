// DUMP payloads: the footer, the bare object the encoder writes and the
// decoder reads back, and every way a payload can be refused.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "persistence/format/crc64.h"
#include "persistence/format/dump_payload.h"
#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"

namespace replikv::persistence {
namespace {

std::string Object(const std::function<Status(RdbEncoder&)>& write, RdbEncoderOptions options = {}) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, options);
  EXPECT_TRUE(write(enc).ok());
  EXPECT_TRUE(enc.Flush().ok());
  return out;
}

Status Read(std::string_view object, RdbValue* value) {
  auto file = NewMemorySequentialFile(object);
  RdbDecoderOptions options;
  options.source_size = object.size();
  RdbDecoder decoder(file.get(), nullptr, options);
  return decoder.ReadObject(value);
}

TEST(DumpPayload, StringPayloadIsRedisBytes) {
  std::string p = Object([](RdbEncoder& e) { return e.WriteStringValue("hello"); });
  SealDumpPayload(&p);
  // What redis-server 7.0.15 answers to DUMP of "hello".
  EXPECT_EQ(p, std::string("\x00\x05hello\n\x00" "cr\xdfve4 \n", 17));
  std::string_view object;
  ASSERT_TRUE(OpenDumpPayload(p, &object));
  EXPECT_EQ(object, std::string_view("\x00\x05hello", 7));
}

TEST(DumpPayload, EveryDamagedByteIsRefused) {
  std::string p = Object([](RdbEncoder& e) { return e.WriteStringValue("some value"); });
  SealDumpPayload(&p);
  std::string_view object;
  for (size_t i = 0; i < p.size(); ++i) {
    std::string d = p;
    d[i] ^= 0x20;
    EXPECT_FALSE(OpenDumpPayload(d, &object)) << i;
  }
  for (size_t n = 0; n < p.size(); ++n) EXPECT_FALSE(OpenDumpPayload(p.substr(0, n), &object)) << n;
  EXPECT_TRUE(OpenDumpPayload(p, &object));
}

// A payload sealed for `version`.
std::string SealedAs(std::string body, uint16_t version) {
  body.push_back(static_cast<char>(version & 0xff));
  body.push_back(static_cast<char>(version >> 8));
  const uint64_t crc = Crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return body;
}

TEST(DumpPayload, VersionsUpToTenAreAccepted) {
  std::string_view object;
  EXPECT_TRUE(OpenDumpPayload(SealedAs(std::string("\x00\x01x", 3), 10), &object));
  EXPECT_TRUE(OpenDumpPayload(SealedAs(std::string("\x00\x01x", 3), 1), &object));
  EXPECT_FALSE(OpenDumpPayload(SealedAs(std::string("\x00\x01x", 3), 11), &object));
  EXPECT_FALSE(OpenDumpPayload(SealedAs(std::string("\x00\x01x", 3), 0xffff), &object));
  // A wrong checksum passes only when checksums are skipped.
  std::string bad = SealedAs(std::string("\x00\x01x", 3), 10);
  bad.back() ^= 1;
  EXPECT_FALSE(OpenDumpPayload(bad, &object));
  EXPECT_TRUE(OpenDumpPayload(bad, &object, /*skip_checksum=*/true));
}

TEST(DumpPayload, ObjectsRoundTrip) {
  std::vector<std::string_view> elems = {"a", "1", "bb"};
  std::vector<std::pair<std::string_view, std::string_view>> pairs = {{"f", "v"}, {"g", "w"}};
  std::vector<std::pair<std::string_view, double>> zset = {{"m", 1.5}, {"n", -2}};
  RdbValue v;
  ASSERT_TRUE(Read(Object([&](RdbEncoder& e) { return e.WriteListValue(elems); }), &v).ok());
  EXPECT_EQ(v.type, RdbValue::Type::kList);
  EXPECT_EQ(v.elems, (std::vector<std::string>{"a", "1", "bb"}));
  ASSERT_TRUE(Read(Object([&](RdbEncoder& e) { return e.WriteSetValue(elems); }), &v).ok());
  EXPECT_EQ(v.type, RdbValue::Type::kSet);
  ASSERT_TRUE(Read(Object([&](RdbEncoder& e) { return e.WriteHashValue(pairs); }), &v).ok());
  EXPECT_EQ(v.pairs.size(), 2u);
  ASSERT_TRUE(Read(Object([&](RdbEncoder& e) { return e.WriteZsetValue(zset); }), &v).ok());
  ASSERT_EQ(v.zset.size(), 2u);
  EXPECT_EQ(v.zset[0].second, -2);
  ASSERT_TRUE(Read(Object([&](RdbEncoder& e) { return e.WriteStringValue(std::string(300, 'z')); }), &v).ok());
  EXPECT_EQ(v.str, std::string(300, 'z'));
}

TEST(DumpPayload, ReadObjectRefusesWhatRestoreRefuses) {
  RdbValue v;
  EXPECT_TRUE(Read(std::string_view("", 0), &v).IsCorruption());
  EXPECT_TRUE(Read(std::string_view("\x63", 1), &v).IsCorruption());          // unknown type
  EXPECT_TRUE(Read(std::string_view("\x01\x00", 2), &v).IsCorruption());      // empty list
  EXPECT_TRUE(Read(std::string_view("\x00\x05hel", 5), &v).IsCorruption());   // short string
  EXPECT_TRUE(Read(std::string_view("\x00\x80\xff\xff\xff\xff", 6), &v).IsCorruption());  // 4 GB claim
  EXPECT_FALSE(Read(std::string_view("\x07\x01", 2), &v).ok());              // module value
  // Bytes after the object are not read.
  EXPECT_TRUE(Read(std::string_view("\x00\x01xyz", 5), &v).ok());
  EXPECT_EQ(v.str, "x");
}

}  // namespace
}  // namespace replikv::persistence
