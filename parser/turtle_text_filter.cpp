#include "parser/turtle_text_filter.h"

#include <algorithm>
#include <utility>

#include "parser/iri.h"
#include "parser/utf8.h"

namespace quiver {
namespace {

constexpr std::string_view kStandIn = "\xF4\x8F\xBF\xBE";  // U+10FFFE, a noncharacter

bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Bytes that continue a prefixed name, a blank node label, a language tag or a number.
bool is_name_byte(char c) {
  return is_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' || c == '%' || c == '@' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool equals_ignoring_case(std::string_view word, std::string_view keyword) {
  return word.size() == keyword.size() && std::equal(word.begin(), word.end(), keyword.begin(),
                                                     [](char a, char b) { return (a | 0x20) == b; });
}

// Whether `iri` can stand between '<' and '>' as it is (IRIREF's characters, no escapes needed).
bool writable_iri(std::string_view iri) {
  return !iri.empty() && std::none_of(iri.begin(), iri.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 ||
           std::string_view("<>\"{}|^`\\").find(c) != std::string_view::npos;
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view TurtleTextFilter::rewrite(std::string_view piece) {
  // On an error nothing of this piece counts: the caller hands its lines before the error again.
  const Position before = at_;
  try {
    out_.clear();
    changed_ = false;
    for (size_t i = 0; i < piece.size();) {
      const char c = piece[i];
      if (c == '\0') {
        if (at_.state == State::String || at_.state == State::LongString) {
          stand_in_for_nul(i);
        } else if (at_.state == State::Comment) {
          out_.push_back(' ');
          changed_ = true;
        } else {
          throw TextFilterError{i, "a NUL byte outside a string"};
        }
        ++i;
        continue;
      }
      if (piece.substr(i, kStandIn.size()) == kStandIn) saw_stand_in_character(i);
      switch (at_.state) {
        case State::Comment:
          if (c == '\n' || c == '\r') {
            at_.state = State::Normal;
            break;
          }
          out_.push_back(' ');
          changed_ = true;
          ++i;
          continue;
        case State::Iri:
          if (c == '\\') {
            escape(piece, i);
            continue;
          }
          if (c == '>') {
            end_iri();
            out_.push_back('>');
            ++i;
            if (at_.dot_after_iri) out_ += " .", at_.dot_after_iri = false, changed_ = true;
            continue;
          }
          if (at_.in_base_iri) at_.base_text.push_back(c);
          break;
        case State::String:
          if (c == '\\') {
            escape(piece, i);
            continue;
          }
          if (c == at_.quote || c == '\n' || c == '\r') at_.state = State::Normal;
          break;
        case State::LongString:
          if (c == '\\') {
            escape(piece, i);
            continue;
          }
          if (piece.substr(i, 3) == std::string(3, at_.quote)) {
            out_.append(3, at_.quote);
            i += 3;
            at_.state = State::Normal;
            continue;
          }
          break;
        case State::Normal:
          if (c == '\\') {  // an escape in a local name
            escape(piece, i);
            at_.in_name = true;
            continue;
          }
          if (is_letter(c) && !at_.in_name) {
            keyword(piece, i);
            continue;
          }
          if (piece.substr(i, 2) == "<>") {
            empty_iri(piece, i);
            continue;
          }
          // `@base` itself, not a language tag that starts with it (`"x"@basque`).
          if (c == '@' && !at_.in_name && equals_ignoring_case(piece.substr(i + 1, 4), "base") &&
              (i + 5 >= piece.size() || !is_name_byte(piece[i + 5])))
            at_.base_next = true;
          at_.in_name = is_name_byte(c) || (c == '.' && at_.in_name);
          if (c == '#') {
            at_.state = State::Comment;
            out_.push_back(' ');
            changed_ = true;
            ++i;
            continue;
          } else if (c == '<') {
            at_.state = State::Iri;
            at_.in_base_iri = std::exchange(at_.base_next, false);
            at_.base_text.clear();
            at_.base_text_exact = true;
          } else if (c == '"' || c == '\'') {
            at_.quote = c;
            if (piece.substr(i, 3) == std::string(3, c)) {
              out_.append(3, c);
              i += 3;
              at_.state = State::LongString;
              continue;
            }
            at_.state = State::String;
          }
          break;
      }
      out_.push_back(c);
      ++i;
    }
  } catch (const TextFilterError&) {
    at_ = before;
    throw;
  }
  return changed_ ? std::string_view(out_) : piece;
}

// A backslash and what it escapes, copied as one unit; \u0000 and \U00000000 in a string become the
// stand-in, and refused elsewhere.
void TurtleTextFilter::escape(std::string_view piece, size_t& i) {
  const char kind = i + 1 < piece.size() ? piece[i + 1] : '\0';
  const size_t digits = at_.state == State::Normal ? 0 : kind == 'u' ? 4 : kind == 'U' ? 8 : 0;
  uint32_t value = 0;
  bool hex = digits > 0 && i + 2 + digits <= piece.size();
  for (size_t d = 0; hex && d < digits; ++d) {
    const int h = hex_value(piece[i + 2 + d]);
    hex = h >= 0;
    value = value << 4 | static_cast<uint32_t>(h);
  }
  const size_t length = std::min(hex ? 2 + digits : 2, piece.size() - i);
  if (hex && value == 0) {
    if (at_.state == State::Iri) throw TextFilterError{i, "an escape of NUL inside an IRI"};
    stand_in_for_nul(i);
  } else {
    if (at_.in_base_iri) {
      if (hex && is_scalar_value(value))
        append_utf8(value, at_.base_text);
      else
        at_.base_text_exact = false;
    }
    if (hex && value == 0x10FFFE) saw_stand_in_character(i);
    out_.append(piece.substr(i, length));
  }
  i += length;
}

// A word where a keyword may start: BASE starts a base directive; TriG's GRAPH, PREFIX and BASE are
// rewritten.
void TurtleTextFilter::keyword(std::string_view piece, size_t& i) {
  size_t end = i;
  while (end < piece.size() && is_letter(piece[end])) ++end;
  const std::string_view word = piece.substr(i, end - i);
  const char after = end < piece.size() ? piece[end] : '\n';
  const bool keyword_end = after == ' ' || after == '\t' || after == '<' || after == '\n' || after == '\r';
  // GRAPH must name its graph: before a '{' it stays, for Raptor to refuse.
  const size_t next = piece.find_first_not_of(" \t\r\n", end);
  const bool names_graph = next == std::string_view::npos || piece[next] != '{';
  if (keyword_end && equals_ignoring_case(word, "base")) at_.base_next = true;
  if (!trig_) {
    out_.append(word);
    at_.in_name = true;
  } else if (keyword_end && names_graph && equals_ignoring_case(word, "graph")) {
    out_.append(word.size(), ' ');
    changed_ = true;
    at_.in_name = false;
  } else if (keyword_end && (equals_ignoring_case(word, "prefix") || equals_ignoring_case(word, "base"))) {
    out_ += word.size() == 4 ? "@base" : "@prefix";
    at_.dot_after_iri = true;
    changed_ = true;
    at_.in_name = true;
  } else {
    out_.append(word);
    at_.in_name = true;
  }
  i = end;
}

// `<>` is the base IRI (Raptor's lexer crashes on it before a `{`), so it is written out whenever it can be;
// where it cannot, a `<>` that may name a graph is refused.
void TurtleTextFilter::empty_iri(std::string_view piece, size_t& i) {
  at_.base_next = false;  // `@base <>` keeps the base
  at_.in_name = false;
  if (writable_iri(at_.base)) {
    out_ += "<" + at_.base + ">";
    changed_ = true;
    i += 2;
    return;
  }
  // Raptor reads `<>` [ws] [=] [ws] `{` as a graph name; the piece's end leaves it open.
  size_t next = piece.find_first_not_of(" \t\v\r\n", i + 2);
  if (next != std::string_view::npos && piece[next] == '=')
    next = piece.find_first_not_of(" \t\v\r\n", next + 1);
  if (next == std::string_view::npos || piece[next] == '{')
    throw TextFilterError{i,
                          "<> where it may name a graph, and the base IRI holds characters Raptor's parser "
                          "cannot read there: write the graph's IRI"};
  out_ += "<>";
  i += 2;
}

// A base directive's IRI sets the base `<>` stands for; a relative one against an unknown base leaves it
// unknown.
void TurtleTextFilter::end_iri() {
  at_.state = State::Normal;
  if (!std::exchange(at_.in_base_iri, false)) return;
  if (at_.base_text_exact && (!at_.base.empty() || has_scheme(at_.base_text)))
    at_.base = resolve_iri(at_.base, at_.base_text);
  else
    at_.base.clear();
}

void TurtleTextFilter::stand_in_for_nul(size_t offset) {
  if (at_.saw_stand_in)
    throw TextFilterError{offset,
                          "a NUL in a document that also holds U+10FFFE: Raptor's Turtle parser "
                          "cannot load the two together (convert the file to N-Triples)"};
  at_.used_stand_ins = changed_ = true;
  out_ += kStandIn;
}

void TurtleTextFilter::saw_stand_in_character(size_t offset) {
  if (at_.used_stand_ins)
    throw TextFilterError{offset,
                          "U+10FFFE in a document that also holds a NUL: Raptor's Turtle parser "
                          "cannot load the two together (convert the file to N-Triples)"};
  at_.saw_stand_in = true;
}

std::string_view TurtleTextFilter::restore(std::string_view value, std::string& buffer) const {
  if (!at_.used_stand_ins || value.find(kStandIn) == std::string_view::npos) return value;
  buffer.assign(value);
  for (size_t at; (at = buffer.find(kStandIn)) != std::string::npos;)
    buffer.replace(at, kStandIn.size(), 1, '\0');
  return buffer;
}

}  // namespace quiver
