#include "parser/ntriples_parser.h"

#include <cstring>

#include "parser/iri.h"
#include "parser/utf8.h"

namespace quiver {
namespace {

// Why a line is refused and where (0-based byte offset in the line).
struct BadLine {
  size_t offset;
  std::string message;
};

bool is_pn_chars_base(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
         (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
         (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
         (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
         (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}
// N-Triples' errata leave ':' out of blank node labels, as Turtle does.
bool is_pn_chars_u(uint32_t c) {
  return is_pn_chars_base(c) || c == '_';
}
bool is_pn_chars(uint32_t c) {
  return is_pn_chars_u(c) || c == '-' || (c >= '0' && c <= '9') || c == 0xB7 || (c >= 0x300 && c <= 0x36F) ||
         (c >= 0x203F && c <= 0x2040);
}
bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// One line being parsed; every method either consumes a piece of the grammar or throws BadLine.
class NTriplesParser::Line {
 public:
  explicit Line(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }

  void skip_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  // The final '.': only white space and a comment may follow it.
  void final_dot() {
    if (peek() != '.') fail(pos_, "expected the '.' that ends a statement");
    ++pos_;
    skip_space();
    if (!at_end() && text_[pos_] != '#') fail(pos_, "unexpected text after the final '.'");
  }
  [[noreturn]] void fail(size_t offset, std::string message) const {
    throw BadLine{offset, std::move(message)};
  }

  // IRIREF: '<' ([^#x00-#x20<>"{}|^`\] | UCHAR)* '>', absolute.
  std::string_view iri(std::string& buffer) {
    const size_t start = pos_;
    if (peek() != '<') fail(pos_, "expected an IRI in '<' '>'");
    ++pos_;
    const size_t content = pos_;
    bool escaped = false;
    for (;;) {
      if (at_end()) fail(start, "IRI without its closing '>'");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '>') break;
      if (c == '\\') {
        if (!escaped) buffer.assign(text_.substr(content, pos_ - content));
        escaped = true;
        const size_t escape = pos_;
        const uint32_t cp = uchar();
        if (cp <= 0x20 || (cp < 0x80 && std::strchr("<>\"{}|^`\\", static_cast<int>(cp))))
          fail(escape, "the escape stands for a character IRIs may not hold");
        append_utf8(cp, buffer);
        continue;
      }
      if (c <= 0x20 || std::strchr("<\"{}|^`", c))
        fail(pos_, c <= 0x20 ? "white space or a control character inside an IRI"
                             : std::string("the character '") + static_cast<char>(c) + "' inside an IRI");
      const size_t before = pos_;
      if (utf8_char() < 0) fail(before, "bytes that are not valid UTF-8");
      if (escaped) buffer.append(text_.substr(before, pos_ - before));
    }
    std::string_view value = escaped ? std::string_view(buffer) : text_.substr(content, pos_ - content);
    ++pos_;
    if (!has_scheme(value))
      fail(start, "relative IRI <" + excerpt(value, 60) + ">: N-Triples needs absolute IRIs");
    return value;
  }

  // BLANK_NODE_LABEL: '_:' (PN_CHARS_U | [0-9]) ((PN_CHARS | '.')* PN_CHARS)?
  std::string_view blank() {
    const size_t start = pos_;
    if (text_.substr(pos_, 2) != "_:") fail(pos_, "expected a blank node '_:label'");
    pos_ += 2;
    const size_t label = pos_;
    size_t last_good = pos_;
    bool first = true;
    while (!at_end()) {
      size_t next = pos_;
      const int32_t cp = decode_utf8(text_, next);
      if (cp < 0) fail(pos_, "bytes that are not valid UTF-8");
      const bool ok =
          first ? (is_pn_chars_u(cp) || (cp >= '0' && cp <= '9')) : (is_pn_chars(cp) || cp == '.');
      if (!ok) break;
      first = false;
      pos_ = next;
      if (cp != '.') last_good = pos_;
    }
    if (pos_ == label) fail(start, "blank node without a label");
    pos_ = last_good;  // a trailing '.' ends the statement, not the label
    return text_.substr(label, pos_ - label);
  }

  // STRING_LITERAL_QUOTE: '"' ([^#x22#x5C#xA#xD] | ECHAR | UCHAR)* '"'
  std::string_view string(std::string& buffer) {
    const size_t start = pos_;
    ++pos_;  // the opening quote
    const size_t content = pos_;
    bool escaped = false;
    for (;;) {
      if (at_end()) fail(start, "string without its closing '\"'");
      const char c = text_[pos_];
      if (c == '"') break;
      if (c == '\\') {
        if (!escaped) buffer.assign(text_.substr(content, pos_ - content));
        escaped = true;
        const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
        const char* simple = std::strchr("tbnrf\"'\\", e);
        if (e && simple) {
          static constexpr char kValues[] = "\t\b\n\r\f\"'\\";
          buffer.push_back(kValues[simple - "tbnrf\"'\\"]);
          pos_ += 2;
        } else {
          append_utf8(uchar(), buffer);
        }
        continue;
      }
      const size_t before = pos_;
      if (utf8_char() < 0) fail(before, "bytes that are not valid UTF-8");
      if (escaped) buffer.append(text_.substr(before, pos_ - before));
    }
    std::string_view value = escaped ? std::string_view(buffer) : text_.substr(content, pos_ - content);
    ++pos_;
    return value;
  }

  // LANGTAG: '@' [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*
  std::string_view language() {
    const size_t start = ++pos_;
    while (!at_end() && is_alpha(text_[pos_])) ++pos_;
    if (pos_ == start) fail(start, "a language tag starts with a letter");
    while (peek() == '-') {
      const size_t part = ++pos_;
      while (!at_end() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]))) ++pos_;
      if (pos_ == part) fail(part, "empty part in a language tag");
    }
    return text_.substr(start, pos_ - start);
  }

  // subject: IRIREF | BLANK_NODE_LABEL (a graph label has the same shape)
  TermView resource(std::string& buffer, const char* what) {
    TermView t;
    if (peek() == '<') {
      t.kind = TermKind::Iri;
      t.value = iri(buffer);
    } else if (peek() == '_') {
      t.kind = TermKind::Blank;
      t.value = blank();
    } else {
      fail(pos_, std::string("expected ") + what + ": an IRI in '<' '>' or a blank node '_:label'");
    }
    return t;
  }

  TermView object(std::string& buffer, std::string& datatype_buffer) {
    if (peek() != '"' && peek() != '<' && peek() != '_')
      fail(pos_, "expected an object: an IRI in '<' '>', a blank node '_:label' or a literal in '\"'");
    if (peek() != '"') return resource(buffer, "an object");
    TermView t;
    t.kind = TermKind::Literal;
    t.value = string(buffer);
    if (peek() == '@') {
      t.language = language();
    } else if (text_.substr(pos_, 2) == "^^") {
      pos_ += 2;
      t.datatype = iri(datatype_buffer);
      if (t.datatype == xsd::kString) t.datatype = {};
    }
    return t;
  }

 private:
  // UCHAR: '\u' HEX{4} | '\U' HEX{8}; `pos_` is on the backslash.
  uint32_t uchar() {
    const size_t start = pos_;
    const char kind = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    const size_t digits = kind == 'u' ? 4 : kind == 'U' ? 8 : 0;
    if (!digits) fail(start, std::string("invalid escape '\\") + excerpt(text_.substr(pos_ + 1, 1), 4) + "'");
    uint32_t cp = 0;
    for (size_t i = 0; i < digits; ++i) {
      const size_t at = pos_ + 2 + i;
      const int h = at < text_.size() ? hex_value(text_[at]) : -1;
      if (h < 0) fail(start, std::string("\\") + kind + " needs " + std::to_string(digits) + " hex digits");
      cp = cp << 4 | static_cast<uint32_t>(h);
    }
    if (!is_scalar_value(cp))
      fail(start, "the escape stands for no Unicode character (a surrogate or beyond U+10FFFF)");
    pos_ += 2 + digits;
    return cp;
  }

  int32_t utf8_char() {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x80) {
      ++pos_;
      return c;
    }
    return decode_utf8(text_, pos_);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void NTriplesParser::parse(std::string_view document, std::string_view file, uint64_t first_line,
                           const StatementHandler& on_statement, const ErrorHandler& on_error) {
  uint64_t line_number = first_line;
  size_t start = 0;
  // A byte order mark is not in the grammar, but editors and exporters write one: it starts no statement.
  if (first_line == 1 && document.starts_with("\xEF\xBB\xBF")) start = 3;
  while (start < document.size()) {
    size_t end = start;
    while (end < document.size() && document[end] != '\n' && document[end] != '\r') ++end;
    const std::string_view text = document.substr(start, end - start);
    Line line(text);
    try {
      line.skip_space();
      if (!line.at_end() && line.peek() != '#') {
        const TermView s = line.resource(buffers_[0], "a subject");
        line.skip_space();
        if (line.peek() != '<') line.fail(line.pos(), "expected a predicate: an IRI in '<' '>'");
        TermView p;
        p.value = line.iri(buffers_[1]);
        line.skip_space();
        const TermView o = line.object(buffers_[2], buffers_[3]);
        line.skip_space();
        TermView g;
        const bool has_graph = quads_ && line.peek() != '.';
        if (has_graph) {
          g = line.resource(buffers_[4], "a graph name or the final '.'");
          line.skip_space();
        }
        line.final_dot();
        on_statement(s, p, o, has_graph ? &g : nullptr);
      }
    } catch (const BadLine& bad) {
      on_error({std::string(file), line_number, static_cast<int>(bad.offset + 1),
                bad.message + "\n    " + excerpt(text)});
    }
    // CRLF is one line end; a lone CR or LF is one too.
    if (end < document.size() && document[end] == '\r' && end + 1 < document.size() &&
        document[end + 1] == '\n')
      ++end;
    if (end < document.size()) ++line_number;
    start = end + 1;
  }
}

}  // namespace quiver
