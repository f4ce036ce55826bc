#include "query/lowering.h"

#include "query/frontend.h"
#include "query/rasqal_literals.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

namespace quiver::query {
namespace {

struct Token {
  enum class Kind { Iri, PrefixedName, Var, String, Word, Punct, Blank } kind;
  size_t begin, end;  // byte range in the text
  std::string text;
};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// VARNAME's characters: no '-' or '.', unlike names ("?o-1" is ?o minus 1).
bool var_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// The length of the IRIREF (SPARQL grammar: '<' ([^<>"{}|^`\]-[#x00-#x20])* '>') at s[i], which is '<';
// 0 when there is none: the '<' is then an operator.
size_t iri_ref_length(std::string_view s, size_t i) {
  for (size_t j = i + 1; j < s.size(); ++j) {
    const unsigned char c = static_cast<unsigned char>(s[j]);
    if (c == '>') return j + 1 - i;
    if (c == '\\') {  // only a \u or \U code point escape
      const size_t digits = j + 1 < s.size() && s[j + 1] == 'u'   ? 4
                            : j + 1 < s.size() && s[j + 1] == 'U' ? 8
                                                                  : 0;
      if (!digits || j + 2 + digits > s.size()) return 0;
      for (size_t d = 0; d < digits; ++d)
        if (!std::isxdigit(static_cast<unsigned char>(s[j + 2 + d]))) return 0;
      j += 1 + digits;
      continue;
    }
    if (c <= 0x20 || std::strchr("<\"{}|^`", c)) return 0;
  }
  return 0;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto push = [&](Token::Kind k, size_t b, size_t e) {
    out.push_back({k, b, e, std::string(s.substr(b, e - b))});
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;  // a comment ends at CR or LF
    } else if (c == '<') {
      // Rasqal's lexer reads "<=" as the operator even where an IRI ("<=a>") would be longer.
      if (const size_t n = s.substr(i, 2) == "<=" ? 0 : iri_ref_length(s, i)) {
        push(Token::Kind::Iri, i, i + n);
        i += n;
      } else {
        size_t e = i + 1 + (i + 1 < s.size() && s[i + 1] == '=');
        push(Token::Kind::Punct, i, e);
        i = e;
      }
    } else if (c == '"' || c == '\'') {
      size_t b = i;
      bool triple = s.substr(i, 3) == std::string(3, c);
      i += triple ? 3 : 1;
      while (i < s.size()) {
        if (s[i] == '\\') {
          i += 2;
        } else if (triple ? s.substr(i, 3) == std::string(3, c) : s[i] == c) {
          i += triple ? 3 : 1;
          break;
        } else {
          ++i;
        }
      }
      push(Token::Kind::String, b, std::min(i, s.size()));
    } else if ((c == '?' || c == '$') && i + 1 < s.size() && var_char(s[i + 1])) {
      size_t b = i++;
      while (i < s.size() && var_char(s[i])) ++i;
      push(Token::Kind::Var, b, i);
    } else if (c == '_' && i + 1 < s.size() && s[i + 1] == ':') {
      size_t b = i;
      i += 2;
      while (i < s.size() && (name_char(s[i]) || s[i] == '.')) ++i;
      while (s[i - 1] == '.') --i;
      push(Token::Kind::Blank, b, i);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '+' || c == '-') && i + 1 < s.size() &&
                (std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
                 (s[i + 1] == '.' && i + 2 < s.size() &&
                  std::isdigit(static_cast<unsigned char>(s[i + 2])))))) {
      // A number, signed or not, is one token (SPARQL's longest match): in "<p>+1" the '+' is not a path
      // modifier, and in "5-2" the '-' is an operator, not part of a name.
      size_t b = i++;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                              ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
        ++i;
      while (s[i - 1] == '.') --i;
      push(Token::Kind::Word, b, i);
    } else if ((name_char(c) && c != '-') || c == ':') {  // no name starts with '-': "--5" is - -5
      size_t b = i;
      bool prefixed = false;
      while (i < s.size() && (name_char(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '%' || s[i] == '\\')) {
        // A local name starts with neither '-' nor '.' (SPARQL's PN_LOCAL): "ex:-5" is "ex:" and "-5".
        const bool local_starts = s[i] == ':' && !prefixed;
        if (s[i] == ':') prefixed = true;
        if (s[i] == '\\' && i + 1 < s.size()) ++i;  // the escaped character, when there is one
        ++i;
        if (local_starts && i < s.size() && (s[i] == '-' || s[i] == '.')) break;
      }
      while (i > b + 1 && s[i - 1] == '.' && s[i - 2] != '\\') --i;  // an escaped '.' belongs to the name
      // Only a prefixed name or a language tag holds a '-': in "false-5" or "x-1" it is an operator (or a
      // sign) after a word.
      if (!prefixed && !(b > 0 && s[b - 1] == '@'))
        i = std::min(i, static_cast<size_t>(std::find(s.begin() + b, s.begin() + i, '-') - s.begin()));
      // A number with a decimal point stays one token; a prefixed name may end before a '.'.
      push(prefixed ? Token::Kind::PrefixedName : Token::Kind::Word, b, i);
    } else {
      static const char* pairs[] = {"&&", "||", "!=", ">=", "^^"};
      size_t len = 1;
      for (const char* p : pairs)
        if (s.substr(i, 2) == p) len = 2;
      push(Token::Kind::Punct, i, i + len);
      i += len;
    }
  }
  return out;
}

// A line and column in a text, moved forward to a byte offset (from the start again if it lies behind).
struct TextPosition {
  size_t offset = 0;
  int line = 1, column = 1;
};

void advance(std::string_view s, TextPosition& p, size_t offset) {
  if (offset < p.offset) p = {};
  for (; p.offset < offset; ++p.offset) {
    if (s[p.offset] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
}

bool is_word(const Token& t, const char* w) {
  if (t.kind != Token::Kind::Word || t.text.size() != std::strlen(w)) return false;
  for (size_t i = 0; i < t.text.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != w[i]) return false;
  return true;
}
bool is_punct(const Token& t, const char* p) {
  return t.kind == Token::Kind::Punct && t.text == p;
}

std::string repeat(std::string_view text, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += text;
  return out;
}

QueryError located_at(std::string_view s, size_t offset, const std::string& message) {
  TextPosition p;
  advance(s, p, offset);
  return QueryError(message, p.line, p.column);
}

// The length of the UTF-8 sequence at s[i], or 0 when it is not one (overlong forms, surrogates and code
// points past U+10FFFF are not).
size_t utf8_length(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F))
    return 0;
  return n;
}

// What Rasqal would otherwise accept silently, or crash on: a NUL byte (Rasqal stops reading there), bytes
// that are not UTF-8, string escapes SPARQL does not have, and unterminated strings.
// Where the text's first byte that is not part of a UTF-8 sequence is; npos when there is none.
size_t first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_length(s, i);
    if (!n) return i;
    i += n;
  }
  return std::string_view::npos;
}

void check_characters(std::string_view s, const std::vector<Token>& tokens) {
  if (const size_t nul = s.find('\0'); nul != std::string_view::npos)
    throw located_at(s, nul, "the text contains a NUL byte");
  if (const size_t i = first_invalid_utf8(s); i != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(s[i]));
    throw located_at(s, i, std::string("invalid UTF-8 (byte ") + byte + ")");
  }
  for (const Token& t : tokens) {
    if (t.kind != Token::Kind::String) continue;
    const char quote = t.text[0];
    const size_t q = t.text.size() >= 6 && t.text.compare(0, 3, std::string(3, quote)) == 0 ? 3 : 1;
    if (t.text.size() < 2 * q || t.text.compare(t.text.size() - q, q, std::string(q, quote)) != 0 ||
        (t.text.size() >= 2 && t.text[t.text.size() - 2] == '\\' && q == 1 &&
         [&] {  // the closing quote is escaped: count the backslashes before it
           size_t k = t.text.size() - 1, backslashes = 0;
           while (k > 1 && t.text[k - 1] == '\\') --k, ++backslashes;
           return backslashes % 2 == 1;
         }()))
      throw located_at(s, t.begin, "unterminated string");
    for (size_t k = q; k + q < t.text.size(); ++k) {
      if (t.text[k] != '\\') continue;
      const char c = t.text[k + 1];
      if (c == 'u' || c == 'U') {
        const size_t digits = c == 'u' ? 4 : 8;
        for (size_t d = 0; d < digits; ++d)
          if (k + 2 + d + q >= t.text.size() || !std::isxdigit(static_cast<unsigned char>(t.text[k + 2 + d])))
            throw located_at(
                s, t.begin + k,
                std::string("\\") + c + " needs " + std::to_string(digits) + " hexadecimal digits");
        k += 1 + digits;
      } else if (std::strchr("tbnrf\"'\\", c) && c) {
        ++k;
      } else {
        throw located_at(s, t.begin + k,
                         "invalid escape \\" + std::string(1, c) +
                             " in a string (SPARQL has \\t \\b \\n \\r \\f \\\" \\' \\\\ \\u and \\U)");
      }
    }
  }
}

bool is_word(const Token& t, const char* w);
bool is_punct(const Token& t, const char* p);

// Brackets must pair up, and nothing may nest deeper than kMaxNesting levels. Rasqal, the lowering, the
// front end, the executor and the expression evaluator all recurse on the nesting of groups and
// expressions, and on chains that build left-deep trees: a || b || c is ((a || b) || c), as is a group's
// sequence of OPTIONALs, BINDs or sub-groups. So a level counts as one, plus its chain so far: the
// operators of each precedence since the last looser one, and the elements of a group. Rasqal is the one
// recursion we cannot change, so this happens on the tokens, before Rasqal sees the text.
void check_nesting(std::string_view s, const std::vector<Token>& tokens, const char* what) {
  struct Level {
    size_t token;  // its opening bracket (none for the top level)
    bool group, data;
    int counts[7] = {};
    int sum = 0;
  };
  std::vector<Level> levels{{0, true, false}};
  int depth = 0;  // the levels, and the chains counted in each
  // Rasqal's preparation (rasqal_query_build_variables_use) takes time exponential in how deeply OPTIONAL,
  // UNION and MINUS nest (about x2.4 a level for OPTIONAL, x2 for the others), and cannot be interrupted:
  // their nesting has a budget of its own, weighted by that cost.
  std::vector<size_t> closing(tokens.size(), tokens.size());
  std::vector<size_t> open;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (is_punct(tokens[i], "{")) open.push_back(i);
    if (is_punct(tokens[i], "}") && !open.empty()) {
      closing[open.back()] = i;
      open.pop_back();
    }
  }
  int costly = 0;
  std::vector<int> costs;  // per level
  auto bump = [&](Level& l, int kind) {
    ++l.counts[kind];
    for (int k = kind + 1; k < 7; ++k) l.counts[k] = 0;
    int sum = 0;
    for (int c : l.counts) sum += c;
    depth += sum - l.sum;
    l.sum = sum;
  };
  auto position = [&](size_t offset) {
    TextPosition p;
    advance(s, p, offset);
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
  };
  static const char* const kGroupElements[] = {"OPTIONAL", "MINUS", "BIND",   "FILTER",
                                               "VALUES",   "GRAPH", "SERVICE"};
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    Level& top = levels.back();
    const bool open = is_punct(t, "{") || is_punct(t, "(") || is_punct(t, "[");
    const bool close = is_punct(t, "}") || is_punct(t, ")") || is_punct(t, "]");
    if (open) {
      // A group's sub-group is one more element of its chain; so is anything bracketed at the top level
      // (SELECT expressions, GROUP BY and ORDER BY terms, each operation's groups).
      if (!top.data && ((top.group && t.text == "{") || levels.size() == 1)) bump(top, 0);
      const bool data =
          top.data || (t.text == "{" && i > 0 &&
                       (is_word(tokens[i - 1], "DATA") || is_word(tokens[i - 1], "INSERT") ||
                        is_word(tokens[i - 1], "DELETE") || is_word(tokens[i - 1], "CONSTRUCT")));
      levels.push_back({i, t.text != "(", data});
      ++depth;
      int cost = 0;
      if (t.text == "{" && !data && i > 0) {
        if (is_word(tokens[i - 1], "OPTIONAL"))
          cost = kOptionalCost;
        else if (is_word(tokens[i - 1], "MINUS") || is_word(tokens[i - 1], "UNION") ||
                 (closing[i] + 1 < tokens.size() && is_word(tokens[closing[i] + 1], "UNION")))
          cost = kUnionCost;
      }
      costs.push_back(cost);
      costly += cost;
      if (costly > kMaxOptionalNesting)
        throw located_at(s, t.begin,
                         std::string(what) +
                             " too complex: OPTIONAL, UNION and MINUS nested too deeply (at most " +
                             std::to_string(kMaxOptionalNesting / kOptionalCost) + " levels of OPTIONAL or " +
                             std::to_string(kMaxOptionalNesting / kUnionCost) + " of UNION or MINUS)");
    } else if (close) {
      if (levels.size() == 1) throw located_at(s, t.begin, "unexpected '" + t.text + "' (nothing to close)");
      const Token& opening = tokens[top.token];
      const char expected = opening.text == "{" ? '}' : opening.text == "(" ? ')' : ']';
      if (t.text[0] != expected)
        throw located_at(s, t.begin,
                         "'" + t.text + "' does not close the '" + opening.text + "' at " +
                             position(opening.begin) + " (missing '" + expected + "')");
      depth -= 1 + top.sum;
      levels.pop_back();
      costly -= costs.back();
      costs.pop_back();
    } else if (levels.size() == 1 && is_punct(t, ";")) {  // the next operation of an update
      depth -= top.sum;
      top = {0, true, false};
    } else if (!top.data) {
      int kind = -1;
      if (top.group) {
        for (const char* w : kGroupElements)
          if (is_word(t, w)) kind = 0;
        // A path's parts join in a chain, as may the triple patterns of a basic graph pattern.
        for (const char* p : {"/", "|", "^", "*", "+", "?", "!", ".", ";", ","})
          if (is_punct(t, p)) kind = 0;
      }
      if (kind < 0) {
        if (is_punct(t, "||"))
          kind = 1;
        else if (is_punct(t, "&&"))
          kind = 2;
        else if (is_punct(t, "=") || is_punct(t, "!=") || is_punct(t, "<") || is_punct(t, ">") ||
                 is_punct(t, "<=") || is_punct(t, ">=") || is_word(t, "IN"))
          kind = 3;
        else if (is_punct(t, "+") || is_punct(t, "-"))
          kind = 4;
        else if (is_punct(t, "*") || is_punct(t, "/"))
          kind = 5;
        else if (is_punct(t, "!"))
          kind = 6;
      }
      if (kind >= 0) bump(top, kind);
    }
    if (depth > kMaxNesting)
      throw located_at(s, t.begin,
                       std::string(what) + " too complex: groups and expressions nested deeper than " +
                           std::to_string(kMaxNesting) + " levels");
  }
  if (levels.size() > 1) {
    const Token& opening = tokens[levels.back().token];
    const char expected = opening.text == "{" ? '}' : opening.text == "(" ? ')' : ']';
    throw located_at(
        s, opening.begin,
        std::string("missing '") + expected + "': the '" + opening.text + "' here is never closed");
  }
}

// A replacement of tokens [first, last) by text (an insertion before token `first` when they are equal);
// `helper` goes to the end of the WHERE clause.
struct Edit {
  size_t first, last;
  std::string replacement;
  size_t inner_first = 0, inner_last = 0;  // EXISTS: the group's inner tokens, lowered into the helper
  int exists = -1;
  bool negated = false;
  size_t scope = 0;  // EXISTS: the depth of the group whose expression holds it, until its call is anchored
  std::string path_helper;
};

class Lowerer {
 public:
  Lowerer(std::string_view text) : s_(text), t_(tokenize(text)) {}

  LoweredQuery run() {
    check_characters(s_, t_);
    check_nesting(s_, t_, "query");
    LoweredQuery out;
    out.text = s_;
    // The prologue's last BASE (the first group ends the prologue).
    for (size_t i = 0; i + 1 < t_.size() && !is_punct(t_[i], "{"); ++i)
      if (is_word(t_[i], "BASE") && t_[i + 1].kind == Token::Kind::Iri)
        out.base = t_[i + 1].text.substr(1, t_[i + 1].text.size() - 2);
    // The WHERE clause: the top-level group right after the WHERE keyword, else the first top-level group
    // (CONSTRUCT's template also sits at the top level, before WHERE).
    std::optional<size_t> where_open;
    int depth = 0;
    for (size_t i = 0; i < t_.size(); ++i) {
      if (is_punct(t_[i], "{")) {
        if (depth == 0 && (!where_open || (i > 0 && is_word(t_[i - 1], "WHERE")))) where_open = i;
        ++depth;
      } else if (is_punct(t_[i], "}")) {
        --depth;
      }
    }
    // Checked whatever the request holds (an update's DROP has no group): Rasqal's lexer crashes on some.
    check_code_point_escapes();
    check_backslashes_outside_strings();
    check_datatypes_follow_strings();
    rewrite_values_without_values(out);
    separate_less_than();
    if (!where_open) {
      separate_signs(t_.size(), expression_tokens(t_.size()));
      return with_safety_edits_only(std::move(out));
    }
    for (size_t i = 0; i < *where_open; ++i) empty_concat(i);
    scopes_.emplace_back();
    size_t end = group(*where_open);
    wrap_subquery(*where_open, end);
    for (size_t i = 0; i < *where_open; ++i)
      if (is_word(t_[i], "SELECT")) projection(i + 1, *where_open, scopes_.back());
    expand_prefixed_names(end);
    // Literals are disguised in the solution modifiers after the WHERE clause too (a trailing VALUES block).
    const std::vector<bool> in_expression = expression_tokens(t_.size());
    separate_signs(end, in_expression);
    name_constant_group_keys();
    disguise_large_integers(t_.size(), in_expression);
    disguise_rewritten_literals(t_.size(), in_expression);
    // Nothing to rewrite, or text that does not parse as we expect: Rasqal gets it as written and judges it,
    // but for its signs set apart (its parser crashes on some chains of signed numbers, valid or not).
    if (edits_.empty() || end > t_.size() || !is_punct(t_[end - 1], "}"))
      return with_safety_edits_only(std::move(out));
    std::string helpers;
    std::string body = emit(0, end - 1, helpers);  // up to the WHERE clause's closing brace
    const size_t after = end < t_.size() ? t_[end].begin : s_.size();
    std::string rest = std::string(s_.substr(t_[end - 1].begin, after - t_[end - 1].begin)) +
                       emit(end, t_.size(), helpers);  // the brace, and the solution modifiers
    out.text = body + " " + helpers + " " + rest;
    out.paths = std::move(paths_);
    return out;
  }

 private:
  // Parses a group starting at its '{'; returns the index after its '}'. On the way it checks what Rasqal
  // does not: a blank node label belongs to one basic graph pattern (SPARQL 1.1 section 4.1.4), and BIND
  // may not assign a variable already in scope in its group (section 18.2.1). The variables the group
  // makes in scope are added to the enclosing group's, unless `binds` is false (MINUS, EXISTS).
  size_t group(size_t i, bool binds = true) {
    if (i + 1 < t_.size() && is_word(t_[i + 1], "SELECT")) return subselect_group(i, binds);
    const int outer_bgp = bgp_;
    scopes_.emplace_back();
    bgp_ = ++bgps_;
    ++i;
    size_t elements = 0;
    bool disguised_filter = false;
    while (i < t_.size() && !is_punct(t_[i], "}")) {
      const Token& t = t_[i];
      const size_t start = i;
      if (!is_punct(t, ".")) ++elements;
      if (is_word(t, "OPTIONAL") || is_word(t, "UNION")) {
        if (is_word(t, "OPTIONAL")) keep_filtered_inner_group(i + 1);
        ++i;
      } else if (is_word(t, "MINUS")) {
        i = i + 1 < t_.size() && is_punct(t_[i + 1], "{") ? group(i + 1, false) : i + 1;
      } else if (is_word(t, "GRAPH") || is_word(t, "SERVICE")) {
        ++i;
        if (i < t_.size() && is_word(t_[i], "SILENT")) ++i;
        if (i < t_.size() && t_[i].kind == Token::Kind::Var) scopes_.back().insert(t_[i].text.substr(1));
        ++i;
      } else if (is_word(t, "FILTER")) {
        i = constraint(i + 1);
        if (scopes_.size() > 2) disguised_filter = disguise_nested_filter(start, i);
        continue;  // a filter belongs to its group: the basic graph pattern goes on
      } else if (is_word(t, "BIND")) {
        i = expression(i + 1);
        bind_target(start + 1, i);
      } else if (is_word(t, "VALUES")) {
        i = skip_values(i + 1);
        for (size_t j = start + 1; j < i; ++j)
          if (t_[j].kind == Token::Kind::Var) scopes_.back().insert(t_[j].text.substr(1));
      } else if (is_punct(t, "{")) {
        i = (i + 1 < t_.size() && is_word(t_[i + 1], "SELECT")) ? subselect(i) : group(i);
      } else if (is_punct(t, ".")) {
        ++i;
        continue;
      } else {
        i = triples(i);
        basic_pattern(start, i);
        continue;
      }
      bgp_ = ++bgps_;  // anything but triples and filters ends the basic graph pattern
    }
    if (elements == 1 && disguised_filter) keep_group(i);
    anchor_exists_calls();
    std::set<std::string> scope = std::move(scopes_.back());
    scopes_.pop_back();
    if (binds && !scopes_.empty()) scopes_.back().insert(scope.begin(), scope.end());
    bgp_ = outer_bgp;
    return i + 1;
  }

  // Triples [b, e) of the current basic graph pattern: their variables come in scope, and their blank node
  // labels must not appear in another basic graph pattern.
  void basic_pattern(size_t b, size_t e) {
    for (size_t j = b; j < e && j < t_.size(); ++j) {
      if (t_[j].kind == Token::Kind::Var) scopes_.back().insert(t_[j].text.substr(1));
      if (t_[j].kind != Token::Kind::Blank) continue;
      auto [it, fresh] = label_bgps_.try_emplace(t_[j].text, bgp_);
      if (!fresh && it->second != bgp_)
        throw located("blank node label " + t_[j].text + " is used in two basic graph patterns", t_[j]);
    }
  }

  // The call standing for EXISTS number e.exists. Its variable argument keeps Rasqal from folding it into a
  // constant while preparing; Rasqal also folds a filter in a nested group whose variables the group does
  // not bind into false, so the variable is one of that group's (see anchor_exists_calls).
  static std::string exists_call(const Edit& e, const std::string& var) {
    return std::string(e.negated ? "(!" : "(") + "<" + std::string(kExistsFunction) + ">(" +
           std::to_string(e.exists) + ", ?" + var + "))";
  }

  // At the end of a group: the EXISTS calls in its expressions take one of its variables as argument.
  void anchor_exists_calls() {
    if (scopes_.back().empty()) return;  // none to take: the reserved variable stays
    for (Edit& e : edits_)
      if (e.exists >= 0 && e.scope == scopes_.size()) {
        e.replacement = exists_call(e, *scopes_.back().begin());
        e.scope = 0;
      }
  }

  // Rasqal turns a FILTER of a nested group into false when a variable it names is bound only outside the
  // group, or nowhere (rasqal_query_filter_variable_scope, a SPARQL 1.0 reading): in SPARQL 1.1 such a
  // variable is just unbound there, and in EXISTS it is the outer solution's (section 18.6). So a nested
  // FILTER, tokens [b, e), reaches Rasqal as BIND(constraint AS ?__quiver_filterN), which the front end
  // turns back into a filter of its group. Returns whether it did.
  bool disguise_nested_filter(size_t b, size_t e) {
    if (e <= b + 1 || e >= t_.size() || !(is_punct(t_[e - 1], ")") || is_punct(t_[e - 1], "}")))
      return false;  // not the shape we expect: Rasqal judges it
    Edit open;
    open.first = b;
    open.last = b + 1;
    open.replacement = "BIND( ";  // as long as FILTER: what follows keeps its column
    edits_.push_back(open);
    Edit close;
    close.first = close.last = e;
    close.replacement = " AS ?" + std::string(kFilterVariable) + std::to_string(filter_count_++) + ") ";
    edits_.push_back(close);
    return true;
  }

  // Rasqal replaces a group holding one BIND by that BIND, which then binds in the enclosing group (and an
  // OPTIONAL's condition becomes its right side). A group whose one element is a disguised FILTER gets a
  // second one before its closing brace, token `close`, which the front end ignores.
  void keep_group(size_t close) {
    if (close >= t_.size()) return;
    Edit keeper;
    keeper.first = keeper.last = close;
    keeper.replacement = " BIND(true AS ?" + std::string(kGroupKeeperVariable) + ") ";
    edits_.push_back(keeper);
  }

  // A \u or \U escape in a string must name a character: a surrogate half (D800-DFFF) is none.
  void check_code_point_escapes() const {
    for (const Token& t : t_) {
      if (t.kind != Token::Kind::String) continue;
      for (size_t k = 0; k + 1 < t.text.size(); ++k) {
        if (t.text[k] != '\\') continue;
        const size_t digits = t.text[k + 1] == 'u' ? 4 : t.text[k + 1] == 'U' ? 8 : 0;
        if (digits && k + 2 + digits <= t.text.size()) {
          const unsigned long cp = std::strtoul(t.text.substr(k + 2, digits).c_str(), nullptr, 16);
          if (cp >= 0xD800 && cp <= 0xDFFF) throw located("\\u escape of a surrogate code point", t);
        }
        ++k;  // the escaped character
      }
    }
  }

  // Rasqal 0.9.33 mishandles VALUES blocks whose rows hold nothing: it crashes on a `()` row after another
  // row and on a block with no variables inside a group, and hands over a block of no rows, or of no
  // variables, as one row or as no block at all. So the front end refuses a `()` row where variables are
  // declared (the row is short), and hands Rasqal what such blocks equal: inside a group, the group pattern
  // of as many empty solutions as the block has rows (none: `FILTER(false)`, keeping the variables in
  // scope); after the WHERE clause, a block Rasqal reads well, the rest joined by the translator.
  void rewrite_values_without_values(LoweredQuery& out) {
    std::vector<size_t> open_groups;  // the '{' of each group holding token i
    for (size_t i = 0; i + 2 < t_.size(); ++i) {
      if (is_punct(t_[i], "{")) open_groups.push_back(i);
      if (is_punct(t_[i], "}") && !open_groups.empty()) open_groups.pop_back();
      if (!is_word(t_[i], "VALUES")) continue;
      std::optional<ValuesBlock> block = values_block(i);
      if (!block || (block->rows > 0 && !block->variables.empty())) continue;
      Edit e;
      e.first = i;
      e.last = block->end;
      const std::string variables(s_.substr(t_[i + 1].begin, t_[block->open].begin - t_[i + 1].begin));
      const std::string undefined_row =
          block->parenthesized ? "(" + repeat("UNDEF ", block->variables.size()) + ")" : "UNDEF";
      if (open_groups.empty()) {  // the query's trailing block
        out.trailing_empty_rows = block->rows;
        e.replacement = block->variables.empty() ? "" : "VALUES " + variables + "{ " + undefined_row + " }";
      } else if (is_word(t_[open_groups.back() + 1], "SELECT")) {
        if (block->variables.empty() && block->rows == 1) {
          e.replacement = "";  // one empty solution: no change
        } else {
          throw located(
              "a VALUES block of no values after a sub-SELECT is not supported: write it inside the "
              "sub-SELECT's WHERE clause",
              t_[i]);
        }
      } else if (block->variables.empty()) {
        e.replacement =
            block->rows == 0 ? "{ FILTER(false) }" : "{ {}" + repeat(" UNION {}", block->rows - 1) + " }";
      } else {
        e.replacement = "{ VALUES " + variables + "{ " + undefined_row + " } FILTER(false) }";
      }
      edits_.push_back(e);
      safety_edits_.push_back(e);
      i = block->end - 1;  // the block's braces pair up: the groups holding it are as before
    }
  }

  struct ValuesBlock {
    std::vector<std::string> variables;
    bool parenthesized = false;
    size_t open = 0;  // the rows' '{'
    size_t end = 0;   // one past the rows' '}'
    size_t rows = 0;
  };

  // The VALUES block starting at token `at`; nullopt when it is not well formed (Rasqal reports that).
  // Throws on a `()` row where variables are declared.
  std::optional<ValuesBlock> values_block(size_t at) const {
    ValuesBlock block;
    size_t j = at + 1;
    if (t_[j].kind == Token::Kind::Var) {
      block.variables.push_back(t_[j++].text);
    } else if (is_punct(t_[j], "(")) {
      block.parenthesized = true;
      for (++j; j < t_.size() && t_[j].kind == Token::Kind::Var; ++j) block.variables.push_back(t_[j].text);
      if (j >= t_.size() || !is_punct(t_[j++], ")")) return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (j >= t_.size() || !is_punct(t_[j], "{")) return std::nullopt;
    block.open = j;
    const size_t close = matching(j);
    if (!is_punct(t_[close], "}")) return std::nullopt;
    block.end = close + 1;
    if (!block.parenthesized) {
      // A term a row: each token starts one, but for a datatype or a language tag after a string.
      const auto part_of_term = [&](size_t k) { return is_punct(t_[k], "^^") || is_punct(t_[k], "@"); };
      for (size_t k = j + 1; k < close; ++k)
        if (!part_of_term(k) && !part_of_term(k - 1)) ++block.rows;
      return block;
    }
    for (size_t k = j + 1; k < close; ++k) {
      if (!is_punct(t_[k], "(")) continue;
      ++block.rows;
      if (is_punct(t_[k + 1], ")") && !block.variables.empty())
        throw located("a VALUES row holds no values for the block's " +
                          std::to_string(block.variables.size()) + " variables",
                      t_[k]);
      if (block.variables.empty() && !is_punct(t_[k + 1], ")"))
        throw located("a VALUES row holds values, but the block declares no variables", t_[k]);
    }
    return block;
  }

  // '^^' gives a quoted string its datatype; Rasqal 0.9.33 also takes it after a number ("5^^xsd:date"),
  // and frees the literal it makes twice.
  void check_datatypes_follow_strings() const {
    for (size_t i = 0; i < t_.size(); ++i)
      if (is_punct(t_[i], "^^") && (i == 0 || t_[i - 1].kind != Token::Kind::String))
        throw located("'^^' (a datatype) must follow a quoted string", t_[i]);
  }

  // Outside strings and IRIs a backslash may only escape one of PN_LOCAL_ESC's characters in the local part
  // of a prefixed name. Anything else is a syntax error, refused here: Rasqal 0.9.33's lexer crashes on some
  // (a '\U' and eight non-hex characters before a colon).
  void check_backslashes_outside_strings() const {
    for (const Token& t : t_) {
      if (t.kind == Token::Kind::String || t.kind == Token::Kind::Iri) continue;
      if (std::any_of(t.text.begin(), t.text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        throw located("a control character outside a string", t);
      const size_t at = t.text.find('\\');
      if (at == std::string::npos) continue;
      const size_t colon = t.text.find(':');
      bool valid = t.kind == Token::Kind::PrefixedName && colon < at;
      for (size_t k = at; valid && k < t.text.size(); ++k) {
        if (t.text[k] != '\\') continue;
        valid = k + 1 < t.text.size() && t.text[k + 1] != '\0' &&
                std::strchr("_~.-!$&'()*+,;=/?#@%", t.text[k + 1]);
        ++k;
      }
      if (!valid)
        throw located("a '\\' outside a string may only escape a character of a prefixed name's local part",
                      t);
    }
  }

  // Prefixed names whose local part Rasqal 0.9.33 misreads (escapes, %-encodings, colons, a leading digit
  // or underscore, dots) go to it as full IRIs, up to token `end`.
  // The prologue's prefixes: "p:" -> IRI.
  std::map<std::string, std::string> prefix_map() const {
    std::map<std::string, std::string> prefixes;
    for (size_t i = 0; i + 2 < t_.size(); ++i)
      if (is_word(t_[i], "PREFIX") && t_[i + 1].kind == Token::Kind::PrefixedName &&
          t_[i + 2].kind == Token::Kind::Iri)
        prefixes[t_[i + 1].text] = t_[i + 2].text.substr(1, t_[i + 2].text.size() - 2);
    return prefixes;
  }

  // Rasqal 0.9.33 rewrites some typed literals as it parses them: it canonicalises the lexical form of
  // booleans, dates and dateTimes ("0"^^xsd:boolean becomes "false") and makes an integer past a C int an
  // xsd:decimal. RDF term equality is lexical, so such a literal would no longer match itself in the data.
  // And it dereferences NULL on a literal of a type derived from xsd:integer (xsd:int, xsd:long...) whose
  // lexical form is not an integer ("x"^^xsd:int), which is ill typed but valid SPARQL. Every such literal
  // goes to Rasqal disguised (disguised_literal), and the front end restores it.
  void disguise_rewritten_literals(size_t end, const std::vector<bool>& in_expression) {
    const auto prefixes = prefix_map();
    for (size_t i = 0; i + 2 < end && i + 2 < t_.size(); ++i) {
      const Token& lexical = t_[i];
      if (lexical.kind != Token::Kind::String || !is_punct(t_[i + 1], "^^")) continue;
      const std::string datatype = datatype_iri(t_[i + 2], prefixes);
      if (!datatype.starts_with(xsd::kNs) || !rasqal_rewrites(string_body(lexical.text), datatype)) continue;
      Edit e;
      e.first = i;
      e.last = i + 3;
      e.replacement = disguised_literal(lexical.text, datatype, in_expression[i]);
      edits_.push_back(e);
    }
  }

  // The IRI a datatype token names; empty when it is neither an IRI nor a prefixed name of a known prefix.
  static std::string datatype_iri(const Token& dt, const std::map<std::string, std::string>& prefixes) {
    if (dt.kind == Token::Kind::Iri) return dt.text.substr(1, dt.text.size() - 2);
    if (dt.kind != Token::Kind::PrefixedName) return {};
    const size_t colon = dt.text.find(':');
    auto prefix = prefixes.find(dt.text.substr(0, colon + 1));
    return prefix == prefixes.end() ? std::string() : prefix->second + dt.text.substr(colon + 1);
  }

  // A string token's text between its quotes (escapes as written).
  static std::string_view string_body(std::string_view quoted) {
    const size_t quote = quoted.starts_with("\"\"\"") || quoted.starts_with("'''") ? 3 : 1;
    return quoted.substr(quote, quoted.size() - std::min(quoted.size(), 2 * quote));
  }

  // Whether Rasqal would not keep body^^<datatype> (an XSD type) as written, or would crash on it.
  static bool rasqal_rewrites(std::string_view body, const std::string& datatype) {
    static const std::set<std::string, std::less<>> kDerived = {"long",
                                                                "int",
                                                                "short",
                                                                "byte",
                                                                "nonNegativeInteger",
                                                                "nonPositiveInteger",
                                                                "negativeInteger",
                                                                "positiveInteger",
                                                                "unsignedLong",
                                                                "unsignedInt",
                                                                "unsignedShort",
                                                                "unsignedByte"};
    if (!is_integer(body) && kDerived.count(std::string_view(datatype).substr(xsd::kNs.size())))
      return true;  // the NULL dereference: never hand it to Rasqal, not even to ask
    // An escape would have to be decoded to compare the lexical forms; the disguise keeps any literal right.
    if (body.find('\\') != std::string_view::npos) return true;
    return !rasqal_keeps_literal(body, datatype);
  }

  // An integer number token that does not fit in a C int goes to Rasqal disguised as well (see
  // disguise_rewritten_literals). After separate_signs(): a sign it set apart stays apart.
  void disguise_large_integers(size_t end, const std::vector<bool>& in_expression) {
    for (size_t i = 0; i < end && i < t_.size(); ++i) {
      const Token& t = t_[i];
      if (t.kind != Token::Kind::Word || !is_integer(t.text)) continue;
      auto signed_apart = std::find_if(edits_.begin(), edits_.end(),
                                       [&](const Edit& e) { return e.first == i && e.last == i + 1; });
      const bool apart = signed_apart != edits_.end();
      const std::string number = apart ? t.text.substr(1) : t.text;
      if (fits_rasqal_int(number)) continue;
      const std::string literal =
          disguised_literal("\"" + number + "\"", std::string(xsd::kInteger), in_expression[i]);
      if (apart) {
        signed_apart->replacement = t.text.substr(0, 1) + " " + literal;
      } else {
        Edit e;
        e.first = i;
        e.last = i + 1;
        e.replacement = literal;
        edits_.push_back(e);
      }
    }
  }

  // A literal Rasqal would get wrong, as text it keeps: in a pattern, its datatype behind kDatatypePrefix,
  // a type Rasqal does not know; in an expression, a call to kLiteralFunction. Rasqal evaluates expressions
  // without variables while preparing (DATATYPE() of the disguised literal would give the disguised IRI):
  // the call's unbound variable keeps it from doing so.
  static std::string disguised_literal(const std::string& quoted_lexical, const std::string& datatype,
                                       bool in_expression) {
    if (!in_expression) return quoted_lexical + "^^<" + std::string(kDatatypePrefix) + datatype + ">";
    return "<" + std::string(kLiteralFunction) + ">(" + quoted_lexical + ", <" + datatype + ">, ?" +
           std::string(kExistsVariable) + ")";
  }

  // Whether text is an xsd:integer lexical form: digits, maybe signed.
  static bool is_integer(std::string_view text) {
    const size_t from = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
    return text.size() > from &&
           std::all_of(text.begin() + from, text.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  // Whether Rasqal keeps an integer of this lexical form an integer: it reads it as a C int.
  static bool fits_rasqal_int(std::string_view integer) {
    const bool negative = integer[0] == '-';
    integer.remove_prefix(integer[0] == '+' || integer[0] == '-' ? 1 : 0);
    while (integer.size() > 1 && integer[0] == '0') integer.remove_prefix(1);
    if (integer.size() > 10) return false;
    const long long magnitude = std::stoll(std::string(integer));
    return negative ? -magnitude >= std::numeric_limits<int>::min()
                    : magnitude <= std::numeric_limits<int>::max();
  }

  void expand_prefixed_names(size_t end) {
    const auto prefixes = prefix_map();
    auto plain = [](const std::string& local) {
      for (size_t k = 0; k < local.size(); ++k) {
        const unsigned char c = static_cast<unsigned char>(local[k]);
        if (!(std::isalpha(c) || c >= 0x80 || (k > 0 && (std::isdigit(c) || c == '_' || c == '-'))))
          return false;
      }
      return true;
    };
    for (size_t i = 0; i < end && i < t_.size(); ++i) {
      const Token& t = t_[i];
      if (t.kind != Token::Kind::PrefixedName || (i > 0 && is_word(t_[i - 1], "PREFIX"))) continue;
      const size_t colon = t.text.find(':');
      const std::string local = t.text.substr(colon + 1);
      auto prefix = prefixes.find(t.text.substr(0, colon + 1));
      if (plain(local) || prefix == prefixes.end()) continue;
      std::string iri = prefix->second;
      for (size_t k = 0; k < local.size(); ++k) {
        if (local[k] != '\\') {
          iri += local[k];
        } else if (k + 1 < local.size() && local[k + 1] != '\0' &&
                   std::strchr("_~.-!$&'()*+,;=/?#@%", local[k + 1])) {
          iri += local[++k];
        } else {
          throw located("invalid escape in the prefixed name " + t.text, t);
        }
      }
      Edit e;
      e.first = i;
      e.last = i + 1;
      e.replacement = "<" + iri + ">";
      edits_.push_back(e);
    }
  }

  // Per token up to `end`: whether it stands in an expression. Lists (collections, VALUES rows) do not.
  std::vector<bool> expression_tokens(size_t end) const {
    std::vector<bool> out(std::min(end, t_.size()), false);
    std::vector<bool> expression{true};  // per bracket level; the top level's brackets hold expressions
    for (size_t i = 0; i < out.size(); ++i) {
      const Token& t = t_[i];
      if (is_punct(t, "(")) {
        const bool parent = expression.back() && expression.size() > 1;
        const bool call = i > 0 && t_[i - 1].kind == Token::Kind::Word && !is_word(t_[i - 1], "A");
        expression.push_back(expression.size() == 1 || parent || call);
      } else if (is_punct(t, "{") || is_punct(t, "[")) {
        expression.push_back(false);
      } else if ((is_punct(t, ")") || is_punct(t, "}") || is_punct(t, "]")) && expression.size() > 1) {
        expression.pop_back();
      } else {
        out[i] = expression.size() > 1 && expression.back();
      }
    }
    return out;
  }

  // Rasqal releases a reference twice when a bracketed GROUP BY condition without AS is a constant
  // (`GROUP BY (1)`, `GROUP BY (<iri>)`), which crashes the process when its world is freed. Such a
  // condition gets `AS ?__quiver_keyN`, a variable nothing reads: the groups stay the same. Inside a
  // sub-SELECT Rasqal refuses a variable the query never uses, so there the query is refused plainly.
  void name_constant_group_keys() {
    static const char* const kAfterGroupBy[] = {"HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"};
    int depth = 0;
    for (size_t i = 0; i + 1 < t_.size(); ++i) {
      if (is_punct(t_[i], "{")) ++depth;
      if (is_punct(t_[i], "}")) --depth;
      if (!is_word(t_[i], "GROUP") || !is_word(t_[i + 1], "BY")) continue;
      for (size_t j = i + 2; j < t_.size();) {
        if (std::any_of(std::begin(kAfterGroupBy), std::end(kAfterGroupBy),
                        [&](const char* w) { return is_word(t_[j], w); }))
          break;
        if (t_[j].kind == Token::Kind::Var) {
          ++j;
        } else if (is_punct(t_[j], "(")) {
          const size_t close = matching(j);  // check_nesting() saw every bracket closed
          bool named = false, constant = true;
          for (size_t k = j + 1; k < close; ++k) {
            named |= is_word(t_[k], "AS");
            constant &= t_[k].kind != Token::Kind::Var;
          }
          if (constant && !named) {
            if (depth > 0)
              throw located_at(s_, t_[j].begin,
                               "a GROUP BY condition that is a constant is not supported in a sub-SELECT");
            Edit e;
            e.first = e.last = close;
            e.replacement =
                " AS ?" + std::string(kGroupKeyVariable) + std::to_string(group_key_count_++) + " ";
            edits_.push_back(e);
            safety_edits_.push_back(e);
          }
          j = close + 1;
        } else if (j + 1 < t_.size() && is_punct(t_[j + 1], "(") && t_[j].kind != Token::Kind::Punct) {
          j = matching(j + 1) + 1;  // a function call or built-in
        } else {
          break;  // HAVING, ORDER BY, LIMIT, the end of a sub-SELECT
        }
      }
    }
  }

  LoweredQuery with_safety_edits_only(LoweredQuery out) {
    if (safety_edits_.empty()) return out;
    std::string no_helpers;
    edits_ = safety_edits_;
    out.text = emit(0, t_.size(), no_helpers);
    return out;
  }

  // Rasqal's lexer reads '<' up to the next '>' as an IRI whatever lies between (spaces, '|', '^'), where
  // SPARQL's IRIREF allows none of them: "1 <2 && 3> 2" is a comparison to SPARQL and an IRI to Rasqal.
  // A space after each '<' that is not an IRI makes Rasqal read it as the operator our tokens say it is.
  void separate_less_than() {
    for (size_t i = 0; i < t_.size(); ++i) {
      if (!is_punct(t_[i], "<") ||
          (t_[i].end < s_.size() && std::isspace(static_cast<unsigned char>(s_[t_[i].end]))))
        continue;
      Edit e;
      e.first = i;
      e.last = i + 1;
      e.replacement = "< ";
      edits_.push_back(e);
      safety_edits_.push_back(e);
    }
  }

  // In an expression, "2 -3" is 2 - 3 (SPARQL's grammar reads the signed number as the operator and a
  // number). Rasqal 0.9.33 gets that wrong: "2 -3" gives 5, "2+3*4" 20, "1+1+1" reads freed memory, and a
  // chain holding two signed numbers ("+1 + -1") overflows a heap buffer. Every signed number in an
  // expression has its sign set apart ("2 - 3", "+ - 1": an operator, or a unary sign), which Rasqal reads
  // right. Up to token `end`; lists keep their signed numbers.
  void separate_signs(size_t end, const std::vector<bool>& in_expression) {
    for (size_t i = 1; i < std::min(end, in_expression.size()); ++i) {
      const Token& t = t_[i];
      if (in_expression[i] && t.kind == Token::Kind::Word && (t.text[0] == '+' || t.text[0] == '-')) {
        Edit e;
        e.first = i;
        e.last = i + 1;
        e.replacement = t.text.substr(0, 1) + " " + t.text.substr(1);
        edits_.push_back(e);
        safety_edits_.push_back(e);
      }
    }
  }

  // CONCAT() is the empty string (SPARQL 1.1 section 17.4.3.12); Rasqal's grammar wants an argument.
  void empty_concat(size_t j) {
    if (j + 2 < t_.size() && is_word(t_[j], "CONCAT") && is_punct(t_[j + 1], "(") &&
        is_punct(t_[j + 2], ")")) {
      Edit e;
      e.first = j;
      e.last = j + 3;
      e.replacement = "\"\"";
      edits_.push_back(e);
    }
  }

  // OPTIONAL { { ... FILTER ... } }: Rasqal's parser drops the outer group, which makes the FILTER the
  // OPTIONAL's condition, seeing the left side's variables; in SPARQL it filters the inner group alone
  // (section 18.2.2). A FILTER(true) beside the inner group keeps the two groups apart.
  void keep_filtered_inner_group(size_t open) {
    if (open + 2 >= t_.size() || !is_punct(t_[open], "{") || !is_punct(t_[open + 1], "{") ||
        is_word(t_[open + 2], "SELECT"))
      return;
    const size_t close = matching(open), inner_close = matching(open + 1);
    const size_t after =
        inner_close + 1 < close && is_punct(t_[inner_close + 1], ".") ? inner_close + 2 : inner_close + 1;
    if (after != close) return;  // the inner group has company: Rasqal keeps it
    for (size_t j = open + 2; j < inner_close; ++j) {
      if (is_word(t_[j], "FILTER")) {
        Edit e;
        e.first = close;
        e.last = close + 1;
        e.replacement = "FILTER(true) }";
        edits_.push_back(e);
        return;
      }
      if (is_punct(t_[j], "{") || is_punct(t_[j], "(") || is_punct(t_[j], "[")) j = matching(j);
    }
  }

  // BIND ( expression AS ?v ), tokens [b, e): ?v must not be in scope in the group already.
  void bind_target(size_t b, size_t e) {
    if (e < b + 3 || !is_punct(t_[e - 1], ")") || t_[e - 2].kind != Token::Kind::Var ||
        !is_word(t_[e - 3], "AS"))
      return;  // not the shape we expect: Rasqal judges it
    const std::string var = t_[e - 2].text.substr(1);
    if (!scopes_.back().insert(var).second)
      throw located("BIND assigns ?" + var + ", which is already in scope in its group", t_[e - 2]);
  }

  // The variables a SELECT clause projects, tokens [b, e) after SELECT: each at most once, and an
  // (expression AS ?v) only for a ?v not in scope in its WHERE clause (section 18.2.4.1; Rasqal keeps one
  // expression per variable for the whole query, so a sub-SELECT's ?v would hide the clash from the
  // algebra). Nullopt for *.
  std::optional<std::set<std::string>> projection(size_t b, size_t e, const std::set<std::string>& where) {
    std::set<std::string> out;
    auto add = [&](const Token& var) {
      if (!out.insert(var.text.substr(1)).second)
        throw located("?" + var.text.substr(1) + " is projected twice", var);
    };
    for (size_t j = b; j < e; ++j) {
      if (is_punct(t_[j], "*")) return std::nullopt;
      if (t_[j].kind == Token::Kind::Var) {
        add(t_[j]);
      } else if (is_punct(t_[j], "(")) {
        const size_t close = matching(j);
        if (close > j + 2 && t_[close - 1].kind == Token::Kind::Var && is_word(t_[close - 2], "AS")) {
          const Token& var = t_[close - 1];
          if (where.count(var.text.substr(1)))
            throw located("SELECT (... AS ?" + var.text.substr(1) +
                              "): the variable is already in scope in its WHERE clause",
                          var);
          add(var);
        }
        j = close;
      }
    }
    return out;
  }

  // A WHERE clause that is a sub-query, tokens [open, end), holds nothing else: it becomes { { SELECT ... }
  // }, which means the same and has room for the helper blocks.
  void wrap_subquery(size_t open, size_t end) {
    if (open + 1 >= t_.size() || !is_word(t_[open + 1], "SELECT") || end > t_.size() ||
        !is_punct(t_[end - 1], "}"))
      return;
    Edit before, after;
    before.first = before.last = open + 1;
    before.replacement = "{ ";
    after.first = after.last = end - 1;
    after.replacement = "} ";
    edits_.push_back(before);
    edits_.push_back(after);
  }

  // A group that is a sub-query ({ SELECT ... }, SPARQL's SubSelect as a GroupGraphPattern).
  size_t subselect_group(size_t i, bool binds) {
    if (binds) return subselect(i);
    scopes_.emplace_back();  // what it projects stays out of the enclosing group's scope
    const size_t end = subselect(i);
    scopes_.pop_back();
    return end;
  }

  size_t subselect(size_t i) {
    // { SELECT ... WHERE? { group } modifiers }: lower expressions in the projection, then the group. Its
    // projected variables come in scope outside (with SELECT *, those its group has in scope).
    size_t close = matching(i);
    std::optional<size_t> where;
    std::set<std::string> inner;
    for (size_t j = i + 1; j < close; ++j) {
      if (is_punct(t_[j], "(")) {
        j = expression(j) - 1;
      } else if (is_punct(t_[j], "{")) {
        const bool first = !where;
        if (first) where = j;
        scopes_.emplace_back();
        j = group(j) - 1;
        if (first) inner = std::move(scopes_.back());
        scopes_.pop_back();
      }
    }
    if (where) {
      const std::optional<std::set<std::string>> projected = projection(i + 2, *where, inner);
      const std::set<std::string>& in_scope = projected ? *projected : inner;
      scopes_.back().insert(in_scope.begin(), in_scope.end());
    }
    return close + 1;
  }

  size_t matching(size_t open) const {
    int d = 0;
    for (size_t j = open; j < t_.size(); ++j) {
      if (is_punct(t_[j], "{") || is_punct(t_[j], "(") || is_punct(t_[j], "[")) ++d;
      if (is_punct(t_[j], "}") || is_punct(t_[j], ")") || is_punct(t_[j], "]")) --d;
      if (d == 0) return j;
    }
    return t_.size() - 1;
  }

  size_t skip_values(size_t i) {
    while (i < t_.size() && !is_punct(t_[i], "{")) ++i;
    return matching(i) + 1;
  }

  // FILTER constraint: a bracketted expression, a built-in call, or EXISTS/NOT EXISTS.
  size_t constraint(size_t i) {
    if (i < t_.size() && (is_word(t_[i], "EXISTS") || is_word(t_[i], "NOT"))) return exists(i);
    return expression(i);
  }

  // An expression starting at a token; scans to the end of its bracketted extent.
  size_t expression(size_t i) {
    if (i < t_.size() && !is_punct(t_[i], "(")) {
      // A call such as regex(...) or <iri>(...)
      ++i;
      if (i >= t_.size() || !is_punct(t_[i], "(")) return i;
    }
    size_t close = matching(i);
    for (size_t j = i + 1; j < close;) {
      if (is_word(t_[j], "EXISTS") ||
          (is_word(t_[j], "NOT") && j + 1 < close && is_word(t_[j + 1], "EXISTS"))) {
        j = exists(j);
      } else {
        if (t_[j].kind == Token::Kind::Blank)
          throw located("blank nodes are not allowed in expressions", t_[j]);
        empty_concat(j);
        ++j;
      }
    }
    return close + 1;
  }

  size_t exists(size_t i) {
    bool negated = is_word(t_[i], "NOT");
    size_t open = i + (negated ? 2 : 1);
    if (open >= t_.size() || !is_punct(t_[open], "{")) return open;
    size_t close = matching(open);
    int n = exists_count_++;
    Edit e;
    e.first = i;
    e.last = close + 1;
    e.inner_first = open + 1;
    e.inner_last = close;
    e.exists = n;
    e.negated = negated;
    e.scope = scopes_.size();
    e.replacement = exists_call(e, std::string(kExistsVariable));
    edits_.push_back(e);
    group(open, false);  // lowers what is inside (paths, nested EXISTS)
    return close + 1;
  }

  // Subject, then verb-object lists; verbs may be paths.
  size_t triples(size_t i) {
    i = node(i);
    for (;;) {
      while (i < t_.size() && is_punct(t_[i], ";")) ++i;
      if (i >= t_.size() || is_punct(t_[i], ".") || is_punct(t_[i], "}") || is_punct(t_[i], "]")) return i;
      if (starts_keyword(i)) return i;
      i = verb(i);
      i = node(i);
      while (i < t_.size() && is_punct(t_[i], ",")) i = node(i + 1);
      if (i >= t_.size() || !is_punct(t_[i], ";")) return i;
    }
  }

  bool starts_keyword(size_t i) const {
    for (const char* k : {"OPTIONAL", "MINUS", "UNION", "GRAPH", "SERVICE", "FILTER", "BIND", "VALUES"})
      if (is_word(t_[i], k)) return true;
    return false;
  }

  // A subject or object: a term, [ property list ], or ( collection ).
  size_t node(size_t i) {
    if (i >= t_.size()) return i;
    if (is_punct(t_[i], "[")) {
      size_t j = triples_in_brackets(i + 1);
      return j + 1;
    }
    if (is_punct(t_[i], "(")) {
      size_t j = i + 1;
      while (j < t_.size() && !is_punct(t_[j], ")")) j = node(j);
      return j + 1;
    }
    ++i;
    // A literal's language tag or datatype.
    if (i < t_.size() && is_punct(t_[i], "@")) i += 2;
    if (i < t_.size() && is_punct(t_[i], "^^")) i += 2;
    return i;
  }

  size_t triples_in_brackets(size_t i) {
    for (;;) {
      while (i < t_.size() && is_punct(t_[i], ";")) ++i;
      if (i >= t_.size() || is_punct(t_[i], "]")) return i;
      i = verb(i);
      i = node(i);
      while (i < t_.size() && is_punct(t_[i], ",")) i = node(i + 1);
    }
  }

  // ---- property paths ----

  size_t verb(size_t i) {
    size_t start = i;
    PathExpr p;
    std::vector<std::string> iris;
    size_t end = path_alternative(i, p, iris);
    if (end == start + 1 && (p.kind == PathExpr::Kind::Link)) return end;  // a plain IRI or 'a'
    if (end == start + 1 && t_[start].kind == Token::Kind::Var) return end;
    if (end == start) return start + 1;  // a variable or something Rasqal will judge
    size_t n = paths_.size();
    paths_.push_back(p);
    Edit e;
    e.first = start;
    e.last = end;
    e.replacement = "<" + std::string(kPathPrefix) + std::to_string(n) + ">";
    std::string objects;
    for (size_t k = 0; k < iris.size(); ++k) objects += (k ? " , " : " ") + iris[k];
    e.path_helper = "GRAPH <" + std::string(kPathPrefix) + std::to_string(n) + "> { <" +
                    std::string(kPathIri) + "> <" + std::string(kPathIri) + ">" + objects + " . }";
    edits_.push_back(e);
    return end;
  }

  using PathParser = size_t (Lowerer::*)(size_t, PathExpr&, std::vector<std::string>&);

  // operand (separator operand)*: one operand stays itself, several become one `kind` node.
  size_t path_list(size_t i, PathExpr& out, std::vector<std::string>& iris, const char* separator,
                   PathExpr::Kind kind, PathParser operand) {
    PathExpr first;
    i = (this->*operand)(i, first, iris);
    if (i >= t_.size() || !is_punct(t_[i], separator)) {
      out = first;
      return i;
    }
    out = {kind, 0, {first}, {}};
    while (i < t_.size() && is_punct(t_[i], separator)) {
      PathExpr next;
      i = (this->*operand)(i + 1, next, iris);
      out.args.push_back(next);
    }
    return i;
  }

  size_t path_alternative(size_t i, PathExpr& out, std::vector<std::string>& iris) {
    return path_list(i, out, iris, "|", PathExpr::Kind::Alternative, &Lowerer::path_sequence);
  }

  size_t path_sequence(size_t i, PathExpr& out, std::vector<std::string>& iris) {
    return path_list(i, out, iris, "/", PathExpr::Kind::Sequence, &Lowerer::path_elt_or_inverse);
  }

  size_t path_elt_or_inverse(size_t i, PathExpr& out, std::vector<std::string>& iris) {
    if (i < t_.size() && is_punct(t_[i], "^")) {
      PathExpr inner;
      i = path_elt(i + 1, inner, iris);
      out = {PathExpr::Kind::Inverse, 0, {inner}, {}};
      return i;
    }
    return path_elt(i, out, iris);
  }

  size_t path_elt(size_t i, PathExpr& out, std::vector<std::string>& iris) {
    size_t start = i;
    i = path_primary(i, out, iris);
    if (i == start || i >= t_.size()) return i;
    for (auto [mod, kind] :
         {std::pair{"?", PathExpr::Kind::ZeroOrOne}, std::pair{"*", PathExpr::Kind::ZeroOrMore},
          std::pair{"+", PathExpr::Kind::OneOrMore}})
      if (is_punct(t_[i], mod)) {
        out = {kind, 0, {out}, {}};
        return i + 1;
      }
    return i;
  }

  std::optional<std::string> iri_text(const Token& t) const {
    if (t.kind == Token::Kind::Iri || t.kind == Token::Kind::PrefixedName) return t.text;
    if (t.kind == Token::Kind::Word && t.text == "a")
      return "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    return std::nullopt;
  }

  size_t path_primary(size_t i, PathExpr& out, std::vector<std::string>& iris) {
    if (i >= t_.size()) return i;
    if (auto iri = iri_text(t_[i])) {
      out = {PathExpr::Kind::Link, iris.size(), {}, {}};
      iris.push_back(*iri);
      return i + 1;
    }
    if (is_punct(t_[i], "(")) {
      size_t j = path_alternative(i + 1, out, iris);
      return (j < t_.size() && is_punct(t_[j], ")")) ? j + 1 : i;
    }
    if (is_punct(t_[i], "!")) {
      out = {PathExpr::Kind::Negated, 0, {}, {}};
      size_t j = i + 1;
      auto member = [&](size_t k) -> size_t {
        bool inverse = k < t_.size() && is_punct(t_[k], "^");
        if (inverse) ++k;
        auto iri = k < t_.size() ? iri_text(t_[k]) : std::nullopt;
        if (!iri) return 0;
        out.negated.emplace_back(iris.size(), inverse);
        iris.push_back(*iri);
        return k + 1;
      };
      if (j < t_.size() && is_punct(t_[j], "(")) {
        ++j;
        while (j < t_.size() && !is_punct(t_[j], ")")) {
          size_t k = member(j);
          if (!k) return i;
          j = k;
          if (j < t_.size() && is_punct(t_[j], "|")) ++j;
        }
        return j + 1;
      }
      size_t k = member(j);
      return k ? k : i;
    }
    return i;
  }

  // ---- output ----

  // The text of tokens [first, last) with the edits inside applied; helpers collect the moved blocks.
  std::string emit(size_t first, size_t last, std::string& helpers) {
    std::vector<const Edit*> inside;
    for (const Edit& e : edits_)
      if (e.first >= first && e.last <= last) inside.push_back(&e);
    // An insertion (first == last) goes before a replacement starting at the same token; insertions at one
    // token in the order they were made.
    std::stable_sort(inside.begin(), inside.end(), [](auto a, auto b) {
      return std::tie(a->first, a->last) < std::tie(b->first, b->last);
    });
    std::string out;
    size_t pos = first < t_.size() ? t_[first].begin : s_.size();
    size_t covered = first;
    for (const Edit* e : inside) {
      if (e->first < covered) continue;  // nested in an earlier edit; handled there
      out += s_.substr(pos, t_[e->first].begin - pos);
      out += e->replacement;
      if (e->exists >= 0) {
        std::string inner = emit(e->inner_first, e->inner_last, helpers);
        helpers +=
            "GRAPH <" + std::string(kExistsPrefix) + std::to_string(e->exists) + "> { " + inner + " } ";
      } else {
        helpers += e->path_helper + " ";
      }
      pos = e->last > e->first ? t_[e->last - 1].end : t_[e->first].begin;
      covered = e->last;
    }
    size_t end = last < t_.size() ? t_[last].begin : s_.size();
    if (end > pos) out += s_.substr(pos, end - pos);
    return out;
  }

  std::string_view s_;
  std::vector<Token> t_;
  std::vector<Edit> edits_;
  // Those of separate_signs() and name_constant_group_keys(), also among edits_: they keep Rasqal from
  // crashing, so they apply even to text the lowering does not understand.
  std::vector<Edit> safety_edits_;
  int group_key_count_ = 0;
  std::vector<PathExpr> paths_;
  int exists_count_ = 0;
  int filter_count_ = 0;
  std::vector<std::set<std::string>> scopes_;  // variables in scope, per group being parsed
  int bgp_ = 0, bgps_ = 0;                     // the current basic graph pattern, and how many so far
  std::map<std::string, int> label_bgps_;      // blank node label -> its basic graph pattern

  QueryError located(const std::string& message, const Token& at) const {
    TextPosition p;
    advance(s_, p, at.begin);
    return QueryError(message, p.line, p.column);
  }
};

}  // namespace

LoweredQuery lower(std::string_view text) {
  return Lowerer(text).run();
}

namespace {

// Whether an IRI written in a triple pattern can stand for any other: absolute (Rasqal would resolve a
// relative one against the base), without escapes or dot segments (which Rasqal rewrites).
bool liftable_iri(std::string_view iri) {
  const size_t colon = iri.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(iri[0])))
    return false;
  for (size_t i = 1; i < colon; ++i)
    if (!std::isalnum(static_cast<unsigned char>(iri[i])) && !std::strchr("+.-", iri[i])) return false;
  return iri.find('\\') == std::string_view::npos && iri.find("/./") == std::string_view::npos &&
         iri.find("/../") == std::string_view::npos && !iri.ends_with("/.") && !iri.ends_with("/..");
}

// The prologue's prefixes, by name ("ex:"); nullopt when one is declared twice (which one Rasqal takes is
// not ours to guess).
std::optional<std::map<std::string, std::string>> declared_prefixes(const std::vector<Token>& tokens) {
  std::map<std::string, std::string> prefixes;
  for (size_t i = 0; i + 2 < tokens.size(); ++i) {
    if (!is_word(tokens[i], "PREFIX") || tokens[i + 1].kind != Token::Kind::PrefixedName ||
        tokens[i + 2].kind != Token::Kind::Iri)
      continue;
    const std::string& iri = tokens[i + 2].text;
    if (!prefixes.emplace(tokens[i + 1].text, iri.substr(1, iri.size() - 2)).second) return std::nullopt;
  }
  return prefixes;
}

// A constant of a triple pattern at tokens[i] that can stand for any other of its kind: its IRI, or a string
// literal's characters; nullopt for any other token, and for a datatype, a service's address, a function's
// name or a typed literal.
struct PatternConstant {
  std::string value;
  bool literal;
};
std::optional<PatternConstant> pattern_constant(const std::vector<Token>& tokens, size_t i,
                                                const std::map<std::string, std::string>& prefixes) {
  if (i > 0 && (is_punct(tokens[i - 1], "^^") || is_word(tokens[i - 1], "SERVICE") ||
                is_word(tokens[i - 1], "SILENT")))
    return std::nullopt;
  if (i + 1 < tokens.size() && (is_punct(tokens[i + 1], "(") || is_punct(tokens[i + 1], "^^")))
    return std::nullopt;
  const std::string& t = tokens[i].text;
  switch (tokens[i].kind) {
    case Token::Kind::Iri: {
      std::string iri = t.substr(1, t.size() - 2);
      if (!liftable_iri(iri)) return std::nullopt;
      return PatternConstant{std::move(iri), false};
    }
    case Token::Kind::PrefixedName: {  // of a declared prefix; a local name of ASCII letters, digits, _ - .
      const size_t colon = t.find(':');
      const auto prefix = prefixes.find(t.substr(0, colon + 1));
      const std::string_view local = std::string_view(t).substr(colon + 1);
      if (prefix == prefixes.end() || local.starts_with('-') || local.starts_with('.') ||
          !std::all_of(local.begin(), local.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
          }))
        return std::nullopt;
      std::string iri = prefix->second + std::string(local);
      if (!liftable_iri(iri)) return std::nullopt;
      return PatternConstant{std::move(iri), false};
    }
    case Token::Kind::String: {  // closed by its own quotes, without escapes or control characters
      const size_t quotes = t.starts_with(R"(""")") || t.starts_with("'''") ? 3 : 1;
      if (t.size() < 2 * quotes || t.compare(t.size() - quotes, quotes, t, 0, quotes) != 0 ||
          std::any_of(t.begin(), t.end(),
                      [](char c) { return c == '\\' || static_cast<unsigned char>(c) < 0x20; }))
        return std::nullopt;
      return PatternConstant{t.substr(quotes, t.size() - 2 * quotes), true};
    }
    default:
      return std::nullopt;
  }
}

// Whether a text's constants may be lifted at all: none of its terms can spell a parameter's name by any
// road (written out, by code point escapes, by a prefix or a base), the parse of the text itself would not
// refuse it for its characters (a reused template checks nothing), and no comment of a kind the tokenizer
// does not know (Rasqal's lexer has /* */ and //) can hide brackets from it.
bool liftable_text(std::string_view text, const std::vector<Token>& tokens,
                   const std::map<std::string, std::string>& prefixes) {
  if (text.find("urn:quiver") != std::string_view::npos || text.find("\\u") != std::string_view::npos ||
      text.find("\\U") != std::string_view::npos)
    return false;
  if (text.find('\0') != std::string_view::npos || first_invalid_utf8(text) != std::string_view::npos)
    return false;
  for (const auto& [name, iri] : prefixes)
    if (kParameterPrefix.starts_with(iri) || iri.starts_with("urn:quiver")) return false;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    // A service's parameters are read from its triples' constants when the query is translated.
    if (is_word(tokens[i], "BASE") || is_word(tokens[i], "SERVICE")) return false;
    if (is_punct(tokens[i], "/") && tokens[i + 1].begin == tokens[i].end &&
        (is_punct(tokens[i + 1], "/") || is_punct(tokens[i + 1], "*")))
      return false;
  }
  return true;
}

}  // namespace

std::optional<LiftedQuery> lift_pattern_constants(std::string_view text) {
  const std::vector<Token> tokens = tokenize(text);
  const auto prefixes = declared_prefixes(tokens);
  if (!prefixes || !liftable_text(text, tokens, *prefixes)) return std::nullopt;
  LiftedQuery out;
  std::unordered_map<std::string, size_t> parameters;  // by value, marked as an IRI or a literal
  std::vector<char> brackets;
  size_t copied = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::Punct && (t.text == "{" || t.text == "(" || t.text == "[")) {
      brackets.push_back(t.text[0]);
      continue;
    }
    if (t.kind == Token::Kind::Punct && (t.text == "}" || t.text == ")" || t.text == "]")) {
      if (!brackets.empty()) brackets.pop_back();
      continue;
    }
    // In a group: not in an expression, a blank node's property list or a collection.
    if (brackets.empty() || brackets.back() != '{') continue;
    const auto constant = pattern_constant(tokens, i, *prefixes);
    if (!constant) continue;
    // Equal constants share a parameter, so that whatever the parse makes of two being equal still holds.
    const auto [at, added] =
        parameters.try_emplace((constant->literal ? '"' : '<') + constant->value, out.values.size());
    const size_t n = at->second;
    if (added) out.values.push_back(constant->value);
    out.text.append(text.substr(copied, t.begin - copied));
    const std::string parameter = std::string(kParameterPrefix) + std::to_string(n);
    out.text += constant->literal ? '"' + parameter + '"' : '<' + parameter + '>';
    copied = t.end;
  }
  if (out.values.empty()) return std::nullopt;
  out.text.append(text.substr(copied));
  return out;
}

namespace {

class UpdateSplitter {
 public:
  explicit UpdateSplitter(std::string_view text) : s_(text), t_(tokenize(text)) {}

  std::vector<LoweredOperation> run() {
    check_characters(s_, t_);
    check_nesting(s_, t_, "update");
    std::vector<LoweredOperation> out;
    size_t i = 0;
    bool after_operation = false;
    while (i < t_.size()) {
      if (is_word(t_[i], "PREFIX") && i + 2 < t_.size()) {
        prefixes_[t_[i + 1].text] = iri_text(t_[i + 2]);
        prologue_ += "PREFIX " + t_[i + 1].text + " " + t_[i + 2].text + " ";
        i += 3;
      } else if (is_word(t_[i], "BASE") && i + 1 < t_.size()) {
        prologue_ += "BASE " + t_[i + 1].text + " ";
        i += 2;
      } else if (is_punct(t_[i], ";")) {
        // Update ::= Prologue (Update1 (';' Update)?)?: a separator follows an operation, once.
        if (!after_operation) throw located("unexpected ';' (no operation before it)", t_[i]);
        after_operation = false;
        ++i;
      } else {
        if (after_operation) throw located("operations must be separated by ';'", t_[i]);
        size_t end = i;
        for (int depth = 0; end < t_.size() && !(depth == 0 && is_punct(t_[end], ";")); ++end) {
          if (is_punct(t_[end], "{")) ++depth;
          if (is_punct(t_[end], "}")) --depth;
        }
        if (i + 1 < end && is_word(t_[i + 1], "DATA")) check_blank_labels(i, end);
        operation(i, end, out);
        after_operation = true;
        i = end;
      }
    }
    return out;
  }

 private:
  QueryError located(const std::string& message, const Token& at) const {
    auto [line, column] = position(at.begin);
    return QueryError(message, line, column);
  }

  // A blank node label of INSERT DATA belongs to that operation (SPARQL 1.1 Update, section 19.6 of the
  // grammar notes): reusing it in a later DATA operation of the request is an error.
  void check_blank_labels(size_t b, size_t e) {
    std::set<std::string> mine;
    for (size_t k = b; k < e; ++k) {
      if (t_[k].kind != Token::Kind::Blank) continue;
      if (labels_.count(t_[k].text))
        throw located("blank node " + t_[k].text + " is used in an earlier operation", t_[k]);
      mine.insert(t_[k].text);
    }
    labels_.insert(mine.begin(), mine.end());
  }

  // IRI text of an <iri> or a prefixed name (empty when the prefix is unknown: Rasqal will not see it, so
  // the executor reports the unknown graph).
  std::string iri_text(const Token& t) const {
    if (t.kind == Token::Kind::Iri) return t.text.substr(1, t.text.size() - 2);
    const size_t colon = t.text.find(':');
    if (colon == std::string::npos) return {};
    auto it = prefixes_.find(t.text.substr(0, colon + 1));
    return it == prefixes_.end() ? std::string() : it->second + t.text.substr(colon + 1);
  }

  size_t matching(size_t open) const {
    int d = 0;
    for (size_t j = open; j < t_.size(); ++j) {
      if (is_punct(t_[j], "{")) ++d;
      if (is_punct(t_[j], "}") && --d == 0) return j;
    }
    return t_.size() - 1;
  }

  // The operation's text, tokens [op_first_, last] with `removed` token ranges blanked, after the prologue so
  // far. The prologue takes the first line; the operation starts on the second, at the column where the user
  // wrote it, so line_offset() maps a line back. (Each operation's text holds only itself: a request of many
  // operations parses in linear time.)
  std::string text(size_t last, const std::vector<std::pair<size_t, size_t>>& removed) const {
    const size_t begin = t_[op_first_].begin;
    std::string out = prologue_ + "\n" + std::string(position(begin).second - 1, ' ');
    const size_t base = out.size();
    out += s_.substr(begin, t_[last].end - begin);
    for (auto [first, last_token] : removed)
      for (size_t k = t_[first].begin; k < t_[last_token].end; ++k)
        if (out[base + k - begin] != '\n') out[base + k - begin] = ' ';
    return out;
  }
  // Where the operation's byte `offset` of the request is in text().
  size_t text_offset(size_t offset) const {
    return prologue_.size() + 1 + (position(t_[op_first_].begin).second - 1) + offset - t_[op_first_].begin;
  }
  // What to add to a line of text() (past the first) to make it the request's.
  int line_offset() const { return position(t_[op_first_].begin).first - 2; }

  void operation(size_t b, size_t e, std::vector<LoweredOperation>& out) {
    op_first_ = b;
    const size_t first_out = out.size();
    operation_parts(b, e, out);
    if (!chunked_)  // a large data block's chunks have their own
      for (size_t i = first_out; i < out.size(); ++i) out[i].line_offset = line_offset();
    chunked_ = false;
  }

  void operation_parts(size_t b, size_t e, std::vector<LoweredOperation>& out) {
    size_t k = b;
    std::optional<std::string> with_iri;
    std::vector<std::pair<size_t, size_t>> removed;
    if (is_word(t_[k], "WITH") && k + 1 < e) {
      with_iri = iri_text(t_[k + 1]);
      removed.emplace_back(k, k + 1);
      k += 2;
    }
    const bool insert = k < e && is_word(t_[k], "INSERT"), del = k < e && is_word(t_[k], "DELETE");
    if ((insert || del) && k + 2 < e && is_word(t_[k + 1], "DATA") && is_punct(t_[k + 2], "{") &&
        statements(k + 2, matching(k + 2)) > kDataChunk) {
      bool first = true;
      data_chunks(insert ? "INSERT" : "DELETE", k + 2, matching(k + 2), "", out, first);
      return;
    }
    if ((insert || del) && k + 2 < e && is_word(t_[k + 1], "DATA") && is_punct(t_[k + 2], "{")) {
      // Rasqal rejects empty template blocks, which add or remove nothing: leave them out.
      std::vector<std::pair<size_t, size_t>> removed = {{k + 1, k + 1}};
      const size_t close = matching(k + 2);
      bool empty = true;
      for (size_t j = k + 3; j < close; ++j) {
        if (is_word(t_[j], "GRAPH") && j + 3 < close + 1 && is_punct(t_[j + 2], "{") &&
            is_punct(t_[j + 3], "}")) {
          removed.emplace_back(j, j + 3);
          j += 3;
        } else {
          empty = false;
        }
      }
      if (empty) return;
      LoweredOperation op;
      op.data = true;
      op.text = text(e - 1, removed) + " WHERE {}";
      out.push_back(std::move(op));
      return;
    }
    if (!insert && !del) {  // graph management, or something Rasqal will judge
      LoweredOperation op;
      op.text = text(e - 1, {});
      op.silent = k + 1 < e && is_word(t_[k + 1], "SILENT");
      if (is_word(t_[k], "ADD") || is_word(t_[k], "MOVE") || is_word(t_[k], "COPY")) {
        std::vector<std::pair<size_t, size_t>> graph_words;  // GraphOrDefault's optional GRAPH
        for (size_t j = k + 1; j < e; ++j)
          if (is_word(t_[j], "GRAPH")) graph_words.emplace_back(j, j);
        op.text = text(e - 1, graph_words);
      }
      if (is_word(t_[k], "DROP")) {
        op.text.replace(text_offset(t_[k].begin), t_[k].end - t_[k].begin, "CLEAR");
        op.drop = true;
      }
      out.push_back(std::move(op));
      return;
    }
    if (del && k + 2 < e && is_word(t_[k + 1], "WHERE") && is_punct(t_[k + 2], "{")) {
      // DELETE WHERE { P } is DELETE { P } WHERE { P }; Rasqal loses GRAPH blocks in the short form.
      const size_t close = matching(k + 2);
      LoweredOperation op;
      op.text = text(e - 1, {{k + 1, k + 1}}) + " WHERE " +
                std::string(s_.substr(t_[k + 2].begin, t_[close].end - t_[k + 2].begin));
      out.push_back(std::move(op));
      return;
    }
    // [WITH g] [DELETE {..}] [INSERT {..}] (USING [NAMED] g)* WHERE {..}
    std::optional<std::pair<size_t, size_t>> delete_part, insert_part;
    if (del && k + 1 < e && is_punct(t_[k + 1], "{")) {
      delete_part = {k, matching(k + 1)};
      k = delete_part->second + 1;
    }
    if (k < e && is_word(t_[k], "INSERT") && k + 1 < e && is_punct(t_[k + 1], "{")) {
      insert_part = {k, matching(k + 1)};
      k = insert_part->second + 1;
    }
    LoweredOperation op;
    op.with = with_iri;
    while (k < e && is_word(t_[k], "USING")) {
      const bool named = k + 1 < e && is_word(t_[k + 1], "NAMED");
      const size_t iri = k + 1 + named;
      if (iri >= e) break;
      (named ? op.using_named : op.using_graphs).push_back(iri_text(t_[iri]));
      removed.emplace_back(k, iri);
      k = iri + 1;
    }
    if (delete_part && insert_part) {
      LoweredOperation first = op;
      first.text = text(e - 1, with(removed, *insert_part));
      out.push_back(std::move(first));
      op.text = text(e - 1, with(removed, *delete_part));
      op.shares_previous_where = true;
    } else {
      op.text = text(e - 1, removed);
    }
    out.push_back(std::move(op));
  }

  // ---- large data blocks: Rasqal's parser stack overflows past a few thousand triples in one block, so a
  // large INSERT DATA / DELETE DATA goes to it in chunks (each keeping its lines where they were written).
  static constexpr size_t kDataChunk = 1000;

  struct Piece {
    size_t first, last;  // tokens of one triples sentence (up to its '.') or one GRAPH block
    bool graph;
  };

  std::vector<Piece> pieces(size_t open, size_t close) const {
    std::vector<Piece> out;
    size_t start = open + 1;
    int depth = 0;
    for (size_t j = open + 1; j < close; ++j) {
      if (depth == 0 && is_word(t_[j], "GRAPH") && j + 2 < close && is_punct(t_[j + 2], "{")) {
        if (start < j) out.push_back({start, j - 1, false});
        const size_t end = matching(j + 2);
        out.push_back({j, end, true});
        j = end;
        start = end + 1;
        continue;
      }
      if (is_punct(t_[j], "[") || is_punct(t_[j], "(")) ++depth;
      if (is_punct(t_[j], "]") || is_punct(t_[j], ")")) --depth;
      if (depth == 0 && is_punct(t_[j], ".")) {
        out.push_back({start, j, false});
        start = j + 1;
      }
    }
    if (start < close) out.push_back({start, close - 1, false});
    return out;
  }

  size_t statements(size_t open, size_t close) const {
    size_t n = 0;
    for (const Piece& p : pieces(open, close)) n += p.graph ? statements(p.first + 2, p.last) : 1;
    return n;
  }

  void data_chunks(const std::string& verb, size_t open, size_t close, const std::string& graph,
                   std::vector<LoweredOperation>& out, bool& first) {
    std::vector<Piece> chunk;
    auto flush = [&] {
      if (chunk.empty()) return;
      const size_t begin = t_[chunk.front().first].begin, end = t_[chunk.back().last].end;
      auto [line, column] = position(begin);
      LoweredOperation op;
      op.data = true;
      op.continues_previous = !first;
      first = false;
      op.line_offset = line - 2;
      chunked_ = true;
      op.text = prologue_ + verb + " { " + (graph.empty() ? "" : "GRAPH " + graph + " { ") + "\n" +
                std::string(column - 1, ' ') + std::string(s_.substr(begin, end - begin)) +
                (graph.empty() ? "" : " }") + " } WHERE {}";
      out.push_back(std::move(op));
      chunk.clear();
    };
    for (const Piece& p : pieces(open, close)) {
      if (p.graph && statements(p.first + 2, p.last) > kDataChunk) {
        flush();
        data_chunks(verb, p.first + 2, p.last, t_[p.first + 1].text, out, first);
        continue;
      }
      chunk.push_back(p);
      if (chunk.size() >= kDataChunk) flush();
    }
    flush();
  }

  // Line and column of a byte offset. Asked in increasing order (a large data block's chunks), it goes on
  // from the previous answer instead of counting from the start again.
  std::pair<int, int> position(size_t offset) const {
    advance(s_, position_, offset);
    return {position_.line, position_.column};
  }

  static std::vector<std::pair<size_t, size_t>> with(std::vector<std::pair<size_t, size_t>> v,
                                                     std::pair<size_t, size_t> more) {
    v.push_back(more);
    return v;
  }

  std::string_view s_;
  std::vector<Token> t_;
  std::map<std::string, std::string> prefixes_;
  std::string prologue_;  // the PREFIX and BASE declarations so far, on one line
  std::set<std::string> labels_;
  size_t op_first_ = 0;            // the first token of the operation being split
  bool chunked_ = false;           // it went out in chunks
  mutable TextPosition position_;  // the last position() answer
};

}  // namespace

std::vector<LoweredOperation> split_update(std::string_view text) {
  return UpdateSplitter(text).run();
}

}  // namespace quiver::query
