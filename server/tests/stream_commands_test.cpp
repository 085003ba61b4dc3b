// Stream commands through the dispatcher: id parsing as Redis's
// streamGenericParseIDOrReply (strtoull forms, "-"/"+", "<ms>-*"), and the
// propagated forms of XADD and XREADGROUP.
#include <gtest/gtest.h>

#include <string>

#include "server/tests/command_fixture.h"

namespace replikv {
namespace {

class StreamCommandTest : public CommandTest {};

const char kBadId[] = "-ERR Invalid stream ID specified as stream command argument\r\n";

std::string Bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

TEST_F(StreamCommandTest, IdFormsParseAsStrtoull) {
  EXPECT_EQ(Exec({"XADD", "s", "5", "f", "v"}), Bulk("5-0"));
  EXPECT_EQ(Exec({"XADD", "s", "5-*", "f", "v"}), Bulk("5-1"));
  EXPECT_EQ(Exec({"XADD", "s", "007-3", "f", "v"}), Bulk("7-3"));  // leading zeros
  EXPECT_EQ(Exec({"XADD", "s", "+8", "f", "v"}), Bulk("8-0"));      // strtoull takes '+'
  EXPECT_EQ(Exec({"XADD", "s", " 9", "f", "v"}), Bulk("9-0"));      // and leading spaces
  EXPECT_EQ(Exec({"XADD", "s", "-", "f", "v"}), kBadId);           // strict: no "-" / "+"
  EXPECT_EQ(Exec({"XADD", "s", "10-x", "f", "v"}), kBadId);
  EXPECT_EQ(Exec({"XADD", "s", "-1", "f", "v"}), kBadId);          // negative
  EXPECT_EQ(Exec({"XADD", "s", "18446744073709551616", "f", "v"}), kBadId);  // overflow
  EXPECT_EQ(Exec({"XADD", "s", std::string(128, '1'), "f", "v"}), kBadId);   // too long
  EXPECT_EQ(Exec({"XADD", "s", "10-*-1", "f", "v"}), kBadId);
  // XRANGE takes "-" and "+", and a bare ms fills the sequence per end.
  EXPECT_EQ(Exec({"XRANGE", "s", "7", "7"}), "*1\r\n*2\r\n" + Bulk("7-3") + "*2\r\n" + Bulk("f") + Bulk("v"));
  EXPECT_EQ(Exec({"XLEN", "s"}), ":5\r\n");
}

TEST_F(StreamCommandTest, XaddPropagatesTheIdItChoseAndTheTrimItDid) {
  for (int i = 1; i <= 250; ++i) Exec({"XADD", "s", std::to_string(i) + "-0", "f", "v"});
  Propagated();
  EXPECT_EQ(Exec({"XADD", "s", "MAXLEN", "~", "10", "300-*", "f", "v"}), Bulk("300-0"));
  // 100 entries per node: two whole nodes went, 51 entries stay.
  EXPECT_EQ(Propagated(), "*8\r\n$4\r\nXADD\r\n$1\r\ns\r\n$6\r\nMAXLEN\r\n$1\r\n=\r\n$2\r\n51\r\n$5\r\n300-0\r\n"
                          "$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(Exec({"XLEN", "s"}), ":51\r\n");
}

TEST_F(StreamCommandTest, XreadgroupPropagatesXclaimPerDeliveryOrSetidWithNoack) {
  Exec({"XADD", "s", "1-1", "f", "v"});
  Exec({"XADD", "s", "2-1", "f", "v"});
  Exec({"XGROUP", "CREATE", "s", "g", "0"});
  Propagated();
  Exec({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"});
  std::string p = Propagated();
  EXPECT_EQ(p.find("XREADGROUP"), std::string::npos);
  EXPECT_NE(p.find("$6\r\nXCLAIM\r\n$1\r\ns\r\n$1\r\ng\r\n$1\r\nc\r\n$1\r\n0\r\n$3\r\n1-1\r\n$4\r\nTIME\r\n"),
            std::string::npos);
  EXPECT_NE(p.find("$5\r\nFORCE\r\n$6\r\nJUSTID\r\n$6\r\nLASTID\r\n$3\r\n1-1\r\n"), std::string::npos);
  Exec({"XREADGROUP", "GROUP", "g", "d", "NOACK", "STREAMS", "s", ">"});
  p = Propagated();
  // A new consumer served with NOACK: its creation, then the group's id, in
  // one MULTI/EXEC.
  EXPECT_NE(p.find("$14\r\nCREATECONSUMER\r\n$1\r\ns\r\n$1\r\ng\r\n$1\r\nd\r\n"), std::string::npos);
  EXPECT_NE(p.find("$5\r\nSETID\r\n$1\r\ns\r\n$1\r\ng\r\n$3\r\n2-1\r\n$11\r\nENTRIESREAD\r\n$1\r\n2\r\n"),
            std::string::npos);
  // Nothing new for a new consumer: nothing made, nothing propagated.
  Exec({"XREADGROUP", "GROUP", "g", "e", "STREAMS", "s", ">"});
  EXPECT_EQ(Propagated(), "");
  EXPECT_EQ(Exec({"XINFO", "GROUPS", "s"}).find("consumers\r\n:2\r\n") != std::string::npos, true);
}

}  // namespace
}  // namespace replikv
