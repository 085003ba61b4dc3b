#include "persistence/format/function_payload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "persistence/format/dump_payload.h"

namespace replikv::persistence {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// FUNCTION DUMP of redis-server 7.0.15 holding one library.
constexpr std::string_view kOneLibraryHex =
    "f5404423216c7561206e616d653d6f6e650a72656469732e72656769737465725f66756e6374696f6e282766272c2066756e6374"
    "696f6e28292072657475726e203120656e64290a004f72cd73f1e41d09";
constexpr std::string_view kOneLibraryCode = "#!lua name=one\nredis.register_function('f', function() return 1 end)";

TEST(FunctionPayload, DecodesAPayloadDumpedByTheReferenceServer) {
  std::vector<std::string> codes;
  std::string err;
  ASSERT_TRUE(DecodeFunctionPayload(FromHex(kOneLibraryHex), &codes, &err)) << err;
  EXPECT_EQ(codes, std::vector<std::string>{std::string(kOneLibraryCode)});
}

TEST(FunctionPayload, EncodesTheReferenceServersBytes) {
  EXPECT_EQ(EncodeFunctionPayload({std::string(kOneLibraryCode)}, true), FromHex(kOneLibraryHex));
}

TEST(FunctionPayload, RoundTripsCompressedLibraries) {
  std::vector<std::string> in = {"#!lua name=a\n" + std::string(500, 'x'), "#!lua name=b\nreturn 1"};
  std::string payload = EncodeFunctionPayload(in, true);
  EXPECT_LT(payload.size(), 300u);  // the long one went through LZF
  std::vector<std::string> out;
  std::string err;
  ASSERT_TRUE(DecodeFunctionPayload(payload, &out, &err)) << err;
  EXPECT_EQ(out, in);
}

TEST(FunctionPayload, NoLibrariesIsTheFooterAlone) {
  std::string payload = EncodeFunctionPayload({}, true);
  EXPECT_EQ(payload.size(), kDumpFooterSize);
  std::vector<std::string> out;
  std::string err;
  EXPECT_TRUE(DecodeFunctionPayload(payload, &out, &err));
  EXPECT_TRUE(out.empty());
}

TEST(FunctionPayload, DamagedChecksumIsRefused) {
  std::string payload = FromHex(kOneLibraryHex);
  payload[5] ^= 1;
  std::vector<std::string> out;
  std::string err;
  EXPECT_FALSE(DecodeFunctionPayload(payload, &out, &err));
  EXPECT_EQ(err, "DUMP payload version or checksum are wrong");
}

TEST(FunctionPayload, AKeyPayloadIsNotAFunction) {
  std::string payload("\x00\x03" "abc", 5);  // a string value, as DUMP writes it
  SealDumpPayload(&payload);
  std::vector<std::string> out;
  std::string err;
  EXPECT_FALSE(DecodeFunctionPayload(payload, &out, &err));
  EXPECT_EQ(err, "given type is not a function");
}

TEST(FunctionPayload, PreGaFormatIsRefused) {
  std::string payload = "\xf6";
  SealDumpPayload(&payload);
  std::vector<std::string> out;
  std::string err;
  EXPECT_FALSE(DecodeFunctionPayload(payload, &out, &err));
  EXPECT_EQ(err, "Pre-GA function format not supported");
}

TEST(FunctionPayload, TruncatedLibraryIsRefused) {
  std::string payload = FromHex(kOneLibraryHex).substr(0, 30);
  SealDumpPayload(&payload);
  std::vector<std::string> out;
  std::string err;
  EXPECT_FALSE(DecodeFunctionPayload(payload, &out, &err));
  EXPECT_EQ(err, "Failed loading library payload");
}

}  // namespace
}  // namespace replikv::persistence
