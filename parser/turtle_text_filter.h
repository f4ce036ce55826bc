// The text Raptor's Turtle and TriG parsers get instead of the document's (internal to parser/).
//
// Raptor 2.0.15 cuts a literal at a NUL (raw or escaped) although the grammar allows one, and its TriG
// parser knows neither the GRAPH keyword nor SPARQL-style PREFIX and BASE (valid TriG 1.1). This filter
// follows the document's lexical state (IRIs, strings, long strings, comments, escapes, names) across
// line-aligned pieces and:
// - inside strings, hands Raptor a noncharacter (U+10FFFE) for each NUL, which restore() turns back;
// - refuses a NUL anywhere else, and a document holding both a NUL and U+10FFFE (they could not be told
//   apart);
// - in TriG, blanks out GRAPH (columns stay put) and turns `PREFIX p: <iri>` into `@prefix p: <iri> .`
//   and `BASE <iri>` into `@base <iri> .`;
// - blanks out comments (Raptor reads a graph name only when white space alone separates it from `{`);
// - writes out the base IRI (tracked through the base directives) for `<>`: Raptor's lexer crashes on
//   `<>` before a `{` (a TriG graph name, or a Turtle error), and `<>` means the base IRI anyway.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quiver {

// Where the filter refused the text: a byte offset into the piece given to rewrite().
struct TextFilterError {
  size_t offset;
  std::string message;
};

class TurtleTextFilter {
 public:
  // `base`: the document's base IRI, before any directive.
  TurtleTextFilter(bool trig, std::string base) : trig_(trig) { at_.base = std::move(base); }

  // The piece as Raptor should see it: `piece` itself, or a view of an internal buffer valid until the
  // next call. Throws TextFilterError.
  std::string_view rewrite(std::string_view piece);

  // A literal's value with its NULs given back (a view of `value` or of `buffer`).
  std::string_view restore(std::string_view value, std::string& buffer) const;

 private:
  enum class State { Normal, Iri, Comment, String, LongString };
  void escape(std::string_view piece, size_t& i);
  void keyword(std::string_view piece, size_t& i);
  void empty_iri(std::string_view piece, size_t& i);
  void end_iri();
  void stand_in_for_nul(size_t offset);
  void saw_stand_in_character(size_t offset);

  const bool trig_;
  // Where the document's text stands after the pieces so far; kept whole when a piece is refused.
  struct Position {
    State state = State::Normal;
    char quote = '"';
    bool in_name = false;         // the last byte continues a name, a tag or a number: no keyword starts
    bool dot_after_iri = false;   // a rewritten PREFIX or BASE ends after its IRI
    bool used_stand_ins = false;  // a NUL was handed to Raptor as U+10FFFE
    bool saw_stand_in = false;    // the document itself holds U+10FFFE
    bool base_next = false;       // the next IRI is a base directive's
    bool in_base_iri = false;     // reading a base directive's IRI into base_text
    bool base_text_exact = true;  // base_text holds the IRI's characters (its escapes were valid)
    std::string base_text;
    std::string base;  // the base IRI `<>` stands for here
  } at_;
  bool changed_ = false;
  std::string out_;
};

}  // namespace quiver
