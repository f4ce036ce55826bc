// XPath regular expressions (SPARQL 1.1 section 17.4.3.14, XQuery 1.0 F&O section 7.6) for REGEX and
// REPLACE, compiled by PCRE2: it matches UTF-8 as characters without converting the text, and its JIT
// makes a match over every literal of a large store cheap.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace quiver::query {

class Regex {
 public:
  // The pattern with XPath's flags (i, m, s, x, q); nullopt when either is invalid.
  static std::optional<Regex> compile(std::string_view pattern, std::string_view flags);

  // Whether the pattern matches somewhere in `text`; nullopt when PCRE2 gives up (its backtracking limit,
  // which a pattern like `^(a|a)*$` reaches on a long enough text): an error, not a "no".
  std::optional<bool> search(std::string_view text) const;
  // `text` with every match replaced by `replacement`, in which $N is the Nth group and \$ and \\ stand
  // for $ and \; nullopt when the replacement is invalid or the pattern matches the empty string (both
  // errors in XPath).
  std::optional<std::string> replace(std::string_view text, std::string_view replacement) const;

 private:
  struct Compiled;
  explicit Regex(std::shared_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<Compiled> compiled_;
};

// The compiled patterns of one query, by pattern and flags: a pattern is usually a constant, and compiling
// costs far more than a match. Patterns that change with every row (read from the data) are bounded by
// clearing the cache when it is full.
class RegexCache {
 public:
  // The compiled pattern; null when the pattern or the flags are invalid.
  const Regex* find(const std::string& pattern, const std::string& flags);

 private:
  static constexpr size_t kMaxRegexes = 1024;
  std::unordered_map<std::string, std::optional<Regex>> regexes_;
};

}  // namespace quiver::query
