// The reply encoder alone, RESP2 vs RESP3: the same replies (the shapes of
// GET, a nil, HGETALL of 10 fields, SMEMBERS of 10, ZSCORE, ZRANGE WITHSCORES
// of 10) written into a ReplyBuffer in each protocol, best of 5 runs, in ns
// per reply. No sockets: the machine's noise is the CPU's only.
//
//   g++ -std=c++20 -O2 -I. bench/micro/reply_resp3_bench.cpp server/net/reply_buffer.cpp \
//       -o /tmp/reply_resp3_bench && /tmp/reply_resp3_bench
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "server/net/reply_buffer.h"

namespace {

using replikv::ReplyBuffer;

const std::vector<std::string> kFields = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
const std::vector<std::string> kValues = {"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"};

struct Row {
  const char* name;
  std::function<void(ReplyBuffer&)> reply;
};

double NsPerReply(const Row& row, int resp) {
  constexpr int kReplies = 200000;
  double best = 1e18;
  for (int run = 0; run < 5; ++run) {
    ReplyBuffer r;
    r.set_resp(resp);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kReplies; ++i) {
      row.reply(r);
      if (r.size() > (1 << 20)) r.Clear();  // a flush: the buffer stays warm
    }
    auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (ns / kReplies < best) best = ns / kReplies;
  }
  return best;
}

}  // namespace

int main() {
  std::vector<Row> rows = {
      {"get", [](ReplyBuffer& r) { r.AddBulk("somevalue"); }},
      {"get_nil", [](ReplyBuffer& r) { r.AddNullBulk(); }},
      {"hgetall_10",
       [](ReplyBuffer& r) {
         r.AddMapLen(10);
         for (int i = 0; i < 10; ++i) {
           r.AddBulk(kFields[i]);
           r.AddBulk(kValues[i]);
         }
       }},
      {"smembers_10",
       [](ReplyBuffer& r) {
         r.AddSetLen(10);
         for (int i = 0; i < 10; ++i) r.AddBulk(kFields[i]);
       }},
      {"zscore", [](ReplyBuffer& r) { r.AddDouble(5.5); }},
      {"zrange_10_ws",
       [](ReplyBuffer& r) {
         r.AddPairArrayLen(10);
         for (int i = 0; i < 10; ++i) {
           r.AddPairHeader();
           r.AddBulk(kFields[i]);
           r.AddDouble(i + 0.5);
         }
       }},
  };
  std::printf("%-14s %10s %10s %7s\n", "reply", "resp2_ns", "resp3_ns", "3/2");
  for (const Row& row : rows) {
    double two = NsPerReply(row, 2), three = NsPerReply(row, 3);
    std::printf("%-14s %10.1f %10.1f %7.2f\n", row.name, two, three, three / two);
  }
  return 0;
}
