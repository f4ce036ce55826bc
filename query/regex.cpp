#include "query/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace quiver::query {

// The compiled pattern and the match data its searches reuse (one evaluator per query: no sharing).
struct Regex::Compiled {
  struct FreeCode {
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
  };
  struct FreeMatchData {
    void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
  };
  std::unique_ptr<pcre2_code, FreeCode> code;
  std::unique_ptr<pcre2_match_data, FreeMatchData> match;
};

namespace {

// XPath's x flag removes whitespace outside character classes; PCRE2's extended mode would also take '#'
// as a comment, so the pattern is rewritten instead.
std::string without_whitespace(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (!in_class && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) continue;
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    out += c;
  }
  return out;
}

// An XPath replacement string in PCRE2's syntax: $N stays, \$ and \\ become $$ and \, anything else after
// a backslash or a dollar is an error.
std::optional<std::string> pcre2_replacement(std::string_view xpath) {
  std::string out;
  for (size_t i = 0; i < xpath.size(); ++i) {
    const char c = xpath[i];
    if (c == '\\') {
      if (i + 1 == xpath.size() || (xpath[i + 1] != '\\' && xpath[i + 1] != '$')) return std::nullopt;
      out += xpath[++i] == '$' ? "$$" : "\\";
    } else if (c == '$') {
      if (i + 1 == xpath.size() || xpath[i + 1] < '0' || xpath[i + 1] > '9') return std::nullopt;
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<Regex> Regex::compile(std::string_view pattern, std::string_view flags) {
  // Unicode classes and case folding, $ only at the very end (XPath has no final-newline exception).
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY;
  bool extended = false;
  for (char f : flags) {
    if (f == 'i')
      options |= PCRE2_CASELESS;
    else if (f == 'm')
      options |= PCRE2_MULTILINE;
    else if (f == 's')
      options |= PCRE2_DOTALL;
    else if (f == 'x')
      extended = true;
    else if (f == 'q')
      options |= PCRE2_LITERAL;
    else
      return std::nullopt;
  }
  if (options & PCRE2_LITERAL)  // q: a literal string, only i still applies
    options &= PCRE2_LITERAL | PCRE2_UTF | PCRE2_CASELESS;
  const std::string text =
      extended && !(options & PCRE2_LITERAL) ? without_whitespace(pattern) : std::string(pattern);
  auto compiled = std::make_shared<Compiled>();
  int error = 0;
  PCRE2_SIZE offset = 0;
  compiled->code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), options, &error,
                                     &offset, nullptr));
  if (!compiled->code) return std::nullopt;
  pcre2_jit_compile(compiled->code.get(), PCRE2_JIT_COMPLETE);  // without the JIT, matching interprets
  compiled->match.reset(pcre2_match_data_create_from_pattern(compiled->code.get(), nullptr));
  if (!compiled->match) return std::nullopt;
  return Regex(std::move(compiled));
}

std::optional<bool> Regex::search(std::string_view text) const {
  const int rc = pcre2_match(compiled_->code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                             0, compiled_->match.get(), nullptr);
  if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) return rc >= 0;
  return std::nullopt;
}

std::optional<std::string> Regex::replace(std::string_view text, std::string_view replacement) const {
  if (search("") != false) return std::nullopt;
  const auto pcre2_form = pcre2_replacement(replacement);
  if (!pcre2_form) return std::nullopt;
  // A group that did not match, or that the pattern lacks, stands for the empty string.
  constexpr uint32_t kOptions = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                                PCRE2_SUBSTITUTE_UNSET_EMPTY | PCRE2_SUBSTITUTE_UNKNOWN_UNSET;
  std::string out(text.size() + pcre2_form->size() + 16, '\0');
  for (;;) {
    PCRE2_SIZE length = out.size();
    const int rc = pcre2_substitute(compiled_->code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()),
                                    text.size(), 0, kOptions, compiled_->match.get(), nullptr,
                                    reinterpret_cast<PCRE2_SPTR>(pcre2_form->data()), pcre2_form->size(),
                                    reinterpret_cast<PCRE2_UCHAR*>(out.data()), &length);
    if (rc == PCRE2_ERROR_NOMEMORY) {  // `length` is the size needed
      out.resize(length);
      continue;
    }
    if (rc < 0) return std::nullopt;
    out.resize(length);
    return out;
  }
}

const Regex* RegexCache::find(const std::string& pattern, const std::string& flags) {
  std::string key = flags + '\0' + pattern;
  auto it = regexes_.find(key);
  if (it == regexes_.end()) {
    if (regexes_.size() >= kMaxRegexes) regexes_.clear();
    it = regexes_.emplace(std::move(key), Regex::compile(pattern, flags)).first;
  }
  return it->second ? &*it->second : nullptr;
}

}  // namespace quiver::query
