#include "server/commands/library_meta.h"

#include <gtest/gtest.h>

namespace replikv {
namespace {

std::string ErrorOf(std::string_view payload) {
  LibraryMeta meta;
  std::string err;
  return ParseLibraryMeta(payload, &meta, &err) ? "" : err;
}

TEST(LibraryMeta, ReadsEngineNameAndWhereTheCodeStarts) {
  LibraryMeta meta;
  std::string err;
  ASSERT_TRUE(ParseLibraryMeta("#!lua name=mylib\nreturn 1", &meta, &err));
  EXPECT_EQ(meta.engine, "lua");
  EXPECT_EQ(meta.name, "mylib");
  EXPECT_EQ(meta.code_start, 16u);  // the '\n': line numbers stay the payload's
}

TEST(LibraryMeta, QuotesAndCaseOfTheNameKey) {
  LibraryMeta meta;
  std::string err;
  ASSERT_TRUE(ParseLibraryMeta("#!LUA  \"NAME=x y\"  \nreturn 1", &meta, &err));
  EXPECT_EQ(meta.engine, "LUA");
  EXPECT_EQ(meta.name, "x y");
}

TEST(LibraryMeta, ErrorsAsTheReferenceServerWordsThem) {
  EXPECT_EQ(ErrorOf("return 1"), "Missing library metadata");
  EXPECT_EQ(ErrorOf("#!lua name=a"), "Invalid library metadata");
  EXPECT_EQ(ErrorOf("#!lua name=a \"open\nx"), "Invalid library metadata");
  EXPECT_EQ(ErrorOf("#!lua\nx"), "Library name was not given");
  EXPECT_EQ(ErrorOf("#!lua name=a name=b\nx"), "Invalid metadata value, name argument was given multiple times");
  EXPECT_EQ(ErrorOf("#!lua foo=bar\nx"), "Invalid metadata value given: foo=bar");
}

TEST(LibraryMeta, NamesAreLettersDigitsAndUnderscores) {
  EXPECT_TRUE(ValidFunctionName("a_B9"));
  EXPECT_FALSE(ValidFunctionName(""));
  EXPECT_FALSE(ValidFunctionName("a-b"));
  EXPECT_FALSE(ValidFunctionName("a b"));
}

}  // namespace
}  // namespace replikv
