// Server-level policy helpers.
#include <gtest/gtest.h>

#include "server/server.h"

namespace replikv {
namespace {

// Protected mode admits only loopback peers; a real non-loopback connection
// cannot be made in CI (the servers bind 127.0.0.1), so the address test is
// checked here on the "ip:port" strings Client::Accept produces.
TEST(IsLoopbackAddress, Ipv4LoopbackNetIsLoopback) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:6379"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:1"));
  EXPECT_TRUE(IsLoopbackAddress("127.255.255.254:65535"));
}

TEST(IsLoopbackAddress, Ipv6LoopbackAndMappedIpv4LoopbackAreLoopback) {
  EXPECT_TRUE(IsLoopbackAddress("::1:6379"));
  EXPECT_TRUE(IsLoopbackAddress("::ffff:127.0.0.1:40000"));
}

TEST(IsLoopbackAddress, OtherAddressesAreNot) {
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:6379"));
  EXPECT_FALSE(IsLoopbackAddress("192.168.1.127:127"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:6379"));
  EXPECT_FALSE(IsLoopbackAddress("::ffff:10.0.0.1:6379"));
  EXPECT_FALSE(IsLoopbackAddress("fe80::1:6379"));
  EXPECT_FALSE(IsLoopbackAddress("::10:6379"));
  EXPECT_FALSE(IsLoopbackAddress("?:0"));  // peer name unavailable
  EXPECT_FALSE(IsLoopbackAddress(""));
}

}  // namespace
}  // namespace replikv
