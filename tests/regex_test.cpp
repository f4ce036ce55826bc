// XPath regular expressions for REGEX and REPLACE (query/regex.h): flags, characters beyond ASCII, and the
// replacement syntax.
#include "query/regex.h"

#include <gtest/gtest.h>

namespace quiver::query {
namespace {

bool search(const char* pattern, const char* flags, const char* text) {
  auto re = Regex::compile(pattern, flags);
  EXPECT_TRUE(re) << pattern;
  return re && re->search(text).value_or(false);
}

std::optional<std::string> replace(const char* pattern, const char* text, const char* replacement) {
  auto re = Regex::compile(pattern, "");
  EXPECT_TRUE(re) << pattern;
  return re ? re->replace(text, replacement) : std::nullopt;
}

TEST(Regex, InvalidPatternsAndFlagsAreRefused) {
  EXPECT_FALSE(Regex::compile("(", ""));
  EXPECT_FALSE(Regex::compile("a", "g"));
}

TEST(Regex, CharactersAreCodePointsNotBytes) {
  EXPECT_TRUE(search("^.$", "", "é"));
  EXPECT_TRUE(search("^.{3}$", "", "日本語"));
  EXPECT_TRUE(search("^\\w+$", "", "Größe"));
  EXPECT_TRUE(search("ÉCOLE", "i", "école"));
}

TEST(Regex, Flags) {
  EXPECT_FALSE(search("^b", "", "a\nb"));
  EXPECT_TRUE(search("^b", "m", "a\nb"));
  EXPECT_FALSE(search("a.b", "", "a\nb"));
  EXPECT_TRUE(search("a.b", "s", "a\nb"));
  EXPECT_TRUE(search("a b c", "x", "abc"));
  EXPECT_TRUE(search("[ ]", "x", "a b"));  // whitespace inside a class stays
  EXPECT_TRUE(search("a.b*", "q", "xa.b*y"));
  EXPECT_FALSE(search("a.b*", "q", "axb"));
  EXPECT_TRUE(search("A.B", "iq", "a.b"));
}

TEST(Regex, DollarMatchesOnlyAtTheEnd) {
  EXPECT_FALSE(search("a$", "", "a\n"));  // XPath has no exception for a final newline
  EXPECT_TRUE(search("a$", "", "ba"));
}

TEST(Regex, ReplaceWithGroupsAndEscapes) {
  EXPECT_EQ(replace("(b)(c)", "abcd", "$2$1"), "acbd");
  EXPECT_EQ(replace("(ab)|(a)", "abca", "[1=$1][2=$2]"), "[1=ab][2=]c[1=][2=a]");
  EXPECT_EQ(replace("b", "abc", "\\$\\\\"), "a$\\c");
  EXPECT_EQ(replace("é", "café é", "e"), "cafe e");
}

TEST(Regex, ABacktrackingBlowUpIsAnErrorNotANo) {
  auto re = Regex::compile("^(a|a)*$", "");
  ASSERT_TRUE(re);
  EXPECT_EQ(re->search(std::string(40, 'a') + "b"), std::nullopt);
  EXPECT_EQ(re->search("aaa"), true);
}

TEST(Regex, ReplaceErrors) {
  EXPECT_FALSE(replace("b", "abc", "$"));    // a dollar without a group number
  EXPECT_FALSE(replace("b", "abc", "\\n"));  // a backslash before anything but $ or a backslash
  EXPECT_FALSE(replace("x*", "abc", "y"));   // a pattern that matches the empty string
}

}  // namespace
}  // namespace quiver::query
