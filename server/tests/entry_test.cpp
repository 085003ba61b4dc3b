#include "server/types/entry.h"

#include <gtest/gtest.h>

#include <string>

namespace replikv {
namespace {

TEST(Entry, CanonicalIntegersAreStoredAsIntegers) {
  Entry* e = Entry::NewString("k", "12345", false);
  EXPECT_TRUE(e->is_int());
  EXPECT_EQ(e->int_value(), 12345);
  char buf[24];
  EXPECT_EQ(e->StringValue(buf), "12345");
  EXPECT_STREQ(e->EncodingName(), "int");
  Entry::Free(e);
  for (const char* s : {"012", "+1", " 1", "-0", "1.0", "99999999999999999999", ""}) {
    Entry* x = Entry::NewString("k", s, false);
    EXPECT_FALSE(x->is_int()) << s;
    EXPECT_EQ(x->StringValue(buf), s);
    Entry::Free(x);
  }
}

TEST(Entry, EncodingNameFollowsRedisEmbstrLimit) {
  Entry* small = Entry::NewString("k", std::string(44, 'x'), false);
  Entry* big = Entry::NewString("k", std::string(45, 'x'), false);
  EXPECT_STREQ(small->EncodingName(), "embstr");
  EXPECT_STREQ(big->EncodingName(), "raw");
  Entry::Free(small);
  Entry::Free(big);
}

TEST(Entry, KeyAndExpireSlot) {
  Entry* e = Entry::NewString("mykey", "v", true);
  EXPECT_EQ(e->key(), "mykey");
  EXPECT_FALSE(e->has_expire());
  e->set_expire_ms(123456789);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 123456789);
  Entry* c = Entry::Clone(e, "other", true);
  EXPECT_EQ(c->key(), "other");
  EXPECT_EQ(c->expire_ms(), 123456789);
  char buf[24];
  EXPECT_EQ(c->StringValue(buf), "v");
  Entry::Free(e);
  Entry::Free(c);
}

TEST(Entry, MutableStringGrowsGreedilyAndReportsRaw) {
  Entry* e = Entry::NewString("k", "ab", false);
  HeapString* h = e->MutableString(3);
  h->data[h->len++] = 'c';
  char buf[24];
  EXPECT_EQ(e->StringValue(buf), "abc");
  EXPECT_STREQ(e->EncodingName(), "raw");
  size_t cap = h->cap;
  EXPECT_GE(cap, 6u);  // doubled, so the next appends do not reallocate
  EXPECT_EQ(e->MutableString(cap), h);
  Entry* c = Entry::Clone(e, "k2", false);
  EXPECT_EQ(c->StringValue(buf), "abc");
  EXPECT_STREQ(c->EncodingName(), "raw");
  Entry::Free(e);
  Entry::Free(c);
}

TEST(Entry, IntToStringMutationKeepsDigits) {
  Entry* e = Entry::NewString("k", "-42", false);
  HeapString* h = e->MutableString(4);
  h->data[h->len++] = '0';
  char buf[24];
  EXPECT_EQ(e->StringValue(buf), "-420");
  EXPECT_FALSE(e->is_int());
  Entry::Free(e);
}

}  // namespace
}  // namespace replikv
