// The ACL rule language, its descriptions and the permission check, on the
// real command table; SHA-256 against FIPS 180-4's vectors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/acl.h"
#include "server/acl_categories.h"
#include "server/ds/sha256.h"
#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  // 55 bytes leave room for the length in the last block; 56 need another.
  EXPECT_EQ(Sha256Hex(std::string(55, 'x')), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  EXPECT_EQ(Sha256Hex(std::string(56, 'x')), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  EXPECT_EQ(Sha256Hex(std::string(64, 'x')), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

TEST(AclCategories, GeneratedFromTheOracle) {
  EXPECT_EQ(AclCategoryCount(), 21u);
  EXPECT_STREQ(AclCategoryName(0), "keyspace");
  EXPECT_EQ(AclCategoryBit("READ"), 1);
  EXPECT_EQ(AclCategoryBit("nocat"), -1);
  const uint64_t get = AclCategoriesOf("get");
  EXPECT_EQ(get, (uint64_t{1} << AclCategoryBit("read")) | (uint64_t{1} << AclCategoryBit("string")) |
                     (uint64_t{1} << AclCategoryBit("fast")));
  EXPECT_TRUE(AclCategoriesOf("config|set") & (uint64_t{1} << AclCategoryBit("dangerous")));
  EXPECT_EQ(AclCategoriesOf("nosuchcommand"), 0u);
}

// A user built by rules against the real table.
class AclRulesTest : public ::testing::Test {
 protected:
  AclRulesTest() : index_((RegisterAllCommands(table_), table_)) {}

  AclUser Make(std::initializer_list<const char*> ops) {
    AclUser u("u", index_.size(), false);
    for (const char* op : ops) EXPECT_EQ(u.Apply(op, index_, false), "") << op;
    return u;
  }
  AclDenial Run(const AclUser& u, std::vector<std::string_view> argv, size_t* pos = nullptr) {
    Command* cmd = table_.Find(argv[0]);
    if (!cmd->subcommands.empty() && argv.size() >= 2) cmd = cmd->FindSubcommand(Lower(argv[1]));
    size_t p = 0;
    AclDenial d = u.Check(*cmd, argv, index_, &p);
    if (pos != nullptr) *pos = p;
    return d;
  }

  CommandTable table_;
  AclCommandIndex index_;
};

TEST_F(AclRulesTest, NewUserIsOffAndAllowsNothing) {
  AclUser u("u", index_.size(), false);
  EXPECT_EQ(u.Describe(index_), "off resetchannels -@all");
  EXPECT_FALSE(u.CheckPassword(""));
  EXPECT_EQ(Run(u, {"ping"}), AclDenial::kCommand);
  // AUTH and other no-auth commands are never refused.
  EXPECT_EQ(Run(u, {"auth", "a", "b"}), AclDenial::kNone);
}

TEST_F(AclRulesTest, PasswordsAreStoredHashed) {
  AclUser u = Make({"on", ">p1", ">p1", ">p2", "<p2"});
  ASSERT_EQ(u.password_hashes().size(), 1u);
  EXPECT_EQ(u.password_hashes()[0], Sha256Hex("p1"));
  EXPECT_TRUE(u.CheckPassword("p1"));
  EXPECT_FALSE(u.CheckPassword("p2"));
  EXPECT_EQ(u.Apply("<p2", index_, false), "The password you are trying to remove from the user does not exist");
  EXPECT_EQ(u.Apply("#" + std::string(63, 'a'), index_, false),
            "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters");
  (void)u.Apply("off", index_, false);
  EXPECT_FALSE(u.CheckPassword("p1"));
  (void)u.Apply("on", index_, false);
  (void)u.Apply("nopass", index_, false);
  EXPECT_TRUE(u.CheckPassword("anything"));
  EXPECT_TRUE(u.password_hashes().empty());
}

TEST_F(AclRulesTest, CategoriesAndCommandsDescribeMinimally) {
  EXPECT_EQ(Make({"+@all", "-get", "+get"}).selectors()[0].CommandsText(index_), "+@all");
  EXPECT_EQ(Make({"+@all", "-@dangerous"}).selectors()[0].CommandsText(index_), "+@all -@dangerous");
  EXPECT_EQ(Make({"-@all", "+@read", "-get"}).selectors()[0].CommandsText(index_), "-@all +@read -get");
  EXPECT_EQ(Make({"+get", "-@all", "+@read", "+config", "-config|get"}).selectors()[0].CommandsText(index_),
            "-@all +@read +config -config|get");
  EXPECT_EQ(Make({"+@all", "-config|set"}).selectors()[0].CommandsText(index_), "+@all -config|set");
  EXPECT_EQ(Make({"allcommands", "nocommands", "+set", "+get"}).selectors()[0].CommandsText(index_),
            "-@all +get +set");
}

TEST_F(AclRulesTest, UnknownNamesAndBadForms) {
  AclUser u("u", index_.size(), false);
  EXPECT_EQ(u.Apply("+nocmd", index_, false), "Unknown command or category name in ACL");
  EXPECT_EQ(u.Apply("-@nocat", index_, false), "Unknown command or category name in ACL");
  EXPECT_EQ(u.Apply("+config|nosub", index_, false), "Unknown command or category name in ACL");
  EXPECT_EQ(u.Apply("-select|0", index_, false), "Unknown command or category name in ACL");
  EXPECT_EQ(u.Apply("+config|get|x", index_, false), "Allowing first-arg of a subcommand is not supported");
  EXPECT_EQ(u.Apply("%X~k", index_, false), "Syntax error");
  EXPECT_EQ(u.Apply("%~k", index_, false), "Syntax error");
  EXPECT_EQ(u.Apply("bogus", index_, false), "Syntax error");
  (void)u.Apply("allkeys", index_, false);
  EXPECT_NE(u.Apply("~k", index_, false).find("'allkeys' flag"), std::string::npos);
}

TEST_F(AclRulesTest, ContainerRuleCoversItsSubcommands) {
  AclUser u = Make({"on", "nopass", "+config", "-config|set"});
  EXPECT_EQ(Run(u, {"config", "get", "x"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"config", "set", "x", "y"}), AclDenial::kCommand);
}

TEST_F(AclRulesTest, FirstArgRule) {
  AclUser u = Make({"+select|0"});
  EXPECT_EQ(u.selectors()[0].CommandsText(index_), "-@all +select|0");
  EXPECT_EQ(Run(u, {"select", "0"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"select", "1"}), AclDenial::kCommand);
  // Allowing the whole command drops the first-args.
  AclUser all = Make({"+select|0", "+select"});
  EXPECT_EQ(all.selectors()[0].CommandsText(index_), "-@all +select");
}

TEST_F(AclRulesTest, KeyPatternsReadAndWrite) {
  AclUser u = Make({"+@all", "~k*", "%R~r*", "%W~w*"});
  EXPECT_EQ(u.selectors()[0].KeysText(), "~k* %R~r* %W~w*");
  size_t pos = 0;
  EXPECT_EQ(Run(u, {"get", "k1"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"get", "r1"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"get", "w1"}), AclDenial::kKey);
  EXPECT_EQ(Run(u, {"set", "w1", "v"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"set", "r1", "v"}), AclDenial::kKey);
  EXPECT_EQ(Run(u, {"mset", "k1", "v", "zz", "v"}, &pos), AclDenial::kKey);
  EXPECT_EQ(pos, 3u);
  // COPY reads its source and writes its destination.
  EXPECT_EQ(Run(u, {"copy", "r1", "w1"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"copy", "w1", "r1"}), AclDenial::kKey);
  // SET writes; with GET it reads the old value too.
  EXPECT_EQ(Run(u, {"set", "w1", "v", "get"}), AclDenial::kKey);
  EXPECT_EQ(Run(u, {"set", "k1", "v", "GET"}), AclDenial::kNone);
  // MSET's keys are every other argument.
  EXPECT_EQ(Run(u, {"mset", "w1", "r-value", "w2", "v"}), AclDenial::kNone);
  // Same pattern twice merges the permissions.
  AclUser m = Make({"%R~x", "%W~x"});
  EXPECT_EQ(m.selectors()[0].KeysText(), "~x");
}

TEST_F(AclRulesTest, ChannelPatterns) {
  AclUser u = Make({"+@all", "allkeys", "&news.*"});
  EXPECT_EQ(Run(u, {"publish", "news.a", "m"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"publish", "other", "m"}), AclDenial::kChannel);
  size_t pos = 0;
  EXPECT_EQ(Run(u, {"subscribe", "news.a", "other"}, &pos), AclDenial::kChannel);
  EXPECT_EQ(pos, 2u);
  // A pattern subscription must name a pattern literally.
  EXPECT_EQ(Run(u, {"psubscribe", "news.*"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"psubscribe", "news.a*"}), AclDenial::kChannel);
  // Unsubscribing is never refused.
  EXPECT_EQ(Run(u, {"unsubscribe", "other"}), AclDenial::kNone);
}

TEST_F(AclRulesTest, SelectorsAnyAllowsAndTheFurthestRefusalIsReported) {
  AclUser u = Make({"on", "(+get ~x*)", "(+set ~y*)"});
  EXPECT_EQ(u.Describe(index_),
            "on resetchannels -@all (~x* resetchannels -@all +get) (~y* resetchannels -@all +set)");
  EXPECT_EQ(Run(u, {"get", "x1"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"set", "y1", "v"}), AclDenial::kNone);
  EXPECT_EQ(Run(u, {"get", "y1"}), AclDenial::kKey);  // a key error beats the command error
  EXPECT_EQ(Run(u, {"del", "x1"}), AclDenial::kCommand);
  (void)u.Apply("clearselectors", index_, false);
  EXPECT_EQ(u.selectors().size(), 1u);
}

TEST_F(AclRulesTest, ResetReturnsToNothing) {
  AclUser u = Make({"on", ">p", "~*", "&*", "+@all", "(+get)"});
  EXPECT_TRUE(u.unrestricted() == false);  // the extra selector
  (void)u.Apply("reset", index_, false);
  EXPECT_EQ(u.Describe(index_), "off sanitize-payload resetchannels -@all");
}

TEST(AclSelectorArgs, MergesAndRefusesUnclosed) {
  std::vector<std::string> out;
  std::string bad;
  ASSERT_TRUE(MergeSelectorArgs({"on", "(+get", "~x)", "(+set ~y)"}, &out, &bad));
  EXPECT_EQ(out, (std::vector<std::string>{"on", "(+get ~x)", "(+set ~y)"}));
  out.clear();
  EXPECT_FALSE(MergeSelectorArgs({"(+get", "~x"}, &out, &bad));
  EXPECT_EQ(bad, "(+get");
}

// Through the dispatcher, as a client sends them.
class AclDispatchTest : public CommandTest {
 protected:
  AclDispatchTest() { server_->ApplyCommandRenames(); }
};

TEST_F(AclDispatchTest, RestrictedUserGetsNopermAndTheLogRecordsIt) {
  EXPECT_EQ(Exec({"ACL", "SETUSER", "u", "on", ">pw", "~k*", "+get"}), "+OK\r\n");
  EXPECT_EQ(Exec({"AUTH", "u", "bad"}), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Exec({"AUTH", "u", "pw"}), "+OK\r\n");
  EXPECT_EQ(Exec({"GET", "k1"}), "$-1\r\n");
  EXPECT_EQ(Exec({"GET", "z1"}),
            "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n");
  EXPECT_EQ(Exec({"SET", "k1", "v"}), "-NOPERM this user has no permissions to run the 'set' command\r\n");
  ASSERT_EQ(server_->acl().log().size(), 3u);
  EXPECT_EQ(server_->acl().log()[0].reason, "command");
  EXPECT_EQ(server_->acl().log()[1].object, "z1");
  EXPECT_EQ(server_->acl().log()[2].reason, "auth");
}

TEST_F(AclDispatchTest, DefaultUserIsUnrestricted) {
  EXPECT_TRUE(server_->acl().default_user()->unrestricted());
  EXPECT_EQ(Exec({"SET", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(Exec({"ACL", "WHOAMI"}), "$7\r\ndefault\r\n");
}

}  // namespace
}  // namespace replikv
