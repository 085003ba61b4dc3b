// The module seam (server/module.h): a subsystem gets the server's hooks
// through one interface, and the memory it reports as not counted never
// makes maxmemory evict user keys.
#include <string>

#include "server/memory_stats.h"
#include "server/module.h"
#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

class FakeModule : public ServerModule {
 public:
  std::string CheckCommand(Client&, const Command& cmd) override {
    return cmd.name == refuse ? "-NOPE refused by the module" : "";
  }
  void AppendInfo(std::string_view section, std::string* out) override {
    if (section == "replication") *out += "fake_field:1\r\n";
  }
  void Cron() override { ++crons; }
  void OnFlushAll() override { ++flushes; }
  void ResetStats() override { ++resets; }
  size_t NotCountedMemory() override { return not_counted; }

  std::string refuse;
  int crons = 0, flushes = 0, resets = 0;
  size_t not_counted = 0;
};

class ModuleTest : public CommandTest {
 protected:
  ModuleTest() { server_->AddModule(&module_); }
  FakeModule module_;
};

TEST_F(ModuleTest, CheckCommandRefusesWithItsError) {
  module_.refuse = "set";
  EXPECT_EQ(Exec({"SET", "k", "v"}), "-NOPE refused by the module\r\n");
  EXPECT_EQ(Exec({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Exec({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "k", "v"}), "-NOPE refused by the module\r\n");
  EXPECT_EQ(Exec({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_F(ModuleTest, InfoSectionsGetTheModulesFields) {
  std::string info = Exec({"INFO", "replication"});
  EXPECT_NE(info.find("fake_field:1\r\n"), std::string::npos) << info;
  info = Exec({"INFO", "server"});
  EXPECT_EQ(info.find("fake_field"), std::string::npos);
}

TEST_F(ModuleTest, FlushAllAndResetStatReachTheModule) {
  Exec({"FLUSHALL"});
  Exec({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(module_.flushes, 1);
  EXPECT_EQ(module_.resets, 1);
}

TEST_F(ModuleTest, NotCountedMemoryNeverEvictsUserKeys) {
  for (int i = 0; i < 2000; ++i) Exec({"SET", "key:" + std::to_string(i), std::string(1000, 'x')});
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}), "+OK\r\n");
  // The limit is a little under what is used (the ~2 MB of keys can cover
  // the difference many times over); a module claims more than the
  // difference as not counted (a replica's buffer, say).
  const size_t used = UsedMemory();
  module_.not_counted = 8 << 20;
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", std::to_string(used - (256 << 10))}), "+OK\r\n");
  EXPECT_EQ(Exec({"SET", "one-more", "v"}), "+OK\r\n");
  EXPECT_EQ(Exec({"DBSIZE"}), ":2001\r\n");
  // Without it the same limit evicts.
  module_.not_counted = 0;
  EXPECT_EQ(Exec({"SET", "another", "v"}), "+OK\r\n");
  EXPECT_NE(Exec({"DBSIZE"}), ":2002\r\n");
  EXPECT_EQ(Exec({"CONFIG", "SET", "maxmemory", "0"}), "+OK\r\n");
}

}  // namespace
}  // namespace replikv
