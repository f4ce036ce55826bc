// The string functions, and the hash functions through OpenSSL's libcrypto.
#include <openssl/evp.h>

#include <cmath>
#include <cstdio>

#include "query/functions/values.h"

namespace quiver::query::functions {
namespace {

// MD5 / SHA-x of the UTF-8 bytes, in lower-case hex (SPARQL 1.1 section 17.4.6), through OpenSSL's libcrypto.
std::string hex_digest(Op op, const std::string& text) {
  const EVP_MD* md = op == Op::Md5      ? EVP_md5()
                     : op == Op::Sha1   ? EVP_sha1()
                     : op == Op::Sha256 ? EVP_sha256()
                     : op == Op::Sha384 ? EVP_sha384()
                                        : EVP_sha512();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(text.data(), text.size(), digest, &size, md, nullptr))
    throw QueryError("computing a hash failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of code point `cp` (clamped to the end).
size_t utf8_offset(const std::string& s, size_t cp) {
  size_t i = 0;
  for (size_t n = 0; i < s.size() && n < cp; ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

Term same_kind_string(const Term& like, std::string value) {
  Term t = like;
  t.value = std::move(value);
  return t;
}

// Arguments of STRSTARTS and friends must be compatible: the second simple, or with the first's language.
bool compatible(const Term& a, const Term& b) {
  if (!is_string_like(a) || !is_string_like(b)) return false;
  return b.language.empty() || same_language(a.language, b.language);
}

}  // namespace

std::optional<Term> apply_string(Op op, std::vector<Term>& a, RegexCache& regexes) {
  auto num = [&](size_t i) { return number(a[i]); };
  switch (op) {
    case Op::StrLen:
      if (!is_string_like(a[0])) return std::nullopt;
      return make_number(NumType::Integer, utf8_length(a[0].value));
    case Op::SubStr: {
      if (!is_string_like(a[0])) return std::nullopt;
      auto start = num(1);
      if (!start) return std::nullopt;
      long double from = std::round(start->value), to = INFINITY;
      if (a.size() > 2) {
        auto len = num(2);
        if (!len) return std::nullopt;
        to = from + std::round(len->value);
      }
      if (std::isnan(from) || std::isnan(to)) return same_kind_string(a[0], "");
      long double first = std::max(from, 1.0L),
                  last = std::min(to, static_cast<long double>(utf8_length(a[0].value)) + 1);
      if (last <= first) return same_kind_string(a[0], "");
      size_t b = utf8_offset(a[0].value, static_cast<size_t>(first - 1)),
             en = utf8_offset(a[0].value, static_cast<size_t>(last - 1));
      return same_kind_string(a[0], a[0].value.substr(b, en - b));
    }
    case Op::Md5:
    case Op::Sha1:
    case Op::Sha256:
    case Op::Sha384:
    case Op::Sha512:
      if (!is_simple_or_string(a[0])) return std::nullopt;
      return Term::literal(hex_digest(op, a[0].value));
    case Op::UCase:
    case Op::LCase: {
      if (!is_string_like(a[0])) return std::nullopt;
      std::string s = a[0].value;
      for (char& c : s)
        c = static_cast<char>(op == Op::UCase ? std::toupper(static_cast<unsigned char>(c))
                                              : std::tolower(static_cast<unsigned char>(c)));
      return same_kind_string(a[0], s);
    }
    case Op::StrStarts:
    case Op::StrEnds:
    case Op::Contains: {
      if (!compatible(a[0], a[1])) return std::nullopt;
      const std::string &s = a[0].value, &t = a[1].value;
      bool r = op == Op::StrStarts ? s.rfind(t, 0) == 0
               : op == Op::StrEnds ? s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0
                                   : s.find(t) != std::string::npos;
      return boolean(r);
    }
    case Op::StrBefore:
    case Op::StrAfter: {
      if (!compatible(a[0], a[1])) return std::nullopt;
      auto pos = a[0].value.find(a[1].value);
      if (pos == std::string::npos) return Term::literal("");
      return same_kind_string(
          a[0], op == Op::StrBefore ? a[0].value.substr(0, pos) : a[0].value.substr(pos + a[1].value.size()));
    }
    case Op::EncodeForUri: {
      if (!is_string_like(a[0])) return std::nullopt;
      std::string out;
      for (unsigned char c : a[0].value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          char buf[4];
          std::snprintf(buf, sizeof buf, "%%%02X", c);
          out += buf;
        }
      }
      return Term::literal(out);
    }
    case Op::Concat: {
      std::string out, lang;
      bool same_lang = true;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!is_string_like(a[i])) return std::nullopt;
        out += a[i].value;
        if (i == 0) lang = a[i].language;
        if (!same_language(a[i].language, lang)) same_lang = false;
      }
      if (!a.empty() && same_lang && !lang.empty()) return Term::lang(out, lang);
      return Term::literal(out);
    }
    case Op::LangMatches: {
      if (a[0].kind != TermKind::Literal || a[1].kind != TermKind::Literal) return std::nullopt;
      std::string tag = a[0].value, range = a[1].value;
      for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (char& c : range) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (range == "*") return boolean(!tag.empty());
      return boolean(tag == range ||
                     (tag.rfind(range, 0) == 0 && tag.size() > range.size() && tag[range.size()] == '-'));
    }
    case Op::Regex:
    case Op::Replace: {
      if (!is_string_like(a[0]) || !is_simple_or_string(a[1])) return std::nullopt;
      size_t flag_index = op == Op::Regex ? 2 : 3;
      std::string flags = a.size() > flag_index ? a[flag_index].value : "";
      const Regex* re = regexes.find(a[1].value, flags);
      if (!re) return std::nullopt;
      if (op == Op::Regex) {
        const auto found = re->search(a[0].value);
        return found ? std::optional<Term>(boolean(*found)) : std::nullopt;
      }
      if (!is_simple_or_string(a[2])) return std::nullopt;
      auto replaced = re->replace(a[0].value, a[2].value);
      if (!replaced) return std::nullopt;
      return same_kind_string(a[0], std::move(*replaced));
    }
    default:
      throw QueryError("internal error: not a string function");
  }
}

}  // namespace quiver::query::functions
