// Parsing a fuzzed document through RdfReader and checking what comes out, shared by the RDF targets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parser/rdf_reader.h"
#include "parser/utf8.h"
#include "store/term.h"
#include "tests/fuzz/fuzz_support.h"

namespace quiver::fuzz {

struct Statement {
  Term s, p, o;
  std::optional<Term> g;
  bool operator==(const Statement&) const = default;
};

struct Parsed {
  std::vector<Statement> statements;
  std::vector<SyntaxError> errors;
};

inline std::string show(const Term& t) {
  return to_ntriples(t).substr(0, 200);
}

inline void check_term(const Term& t, const char* position, bool line_based) {
  const std::string where = std::string(position) + " " + show(t);
  QUIVER_FUZZ_CHECK(!find_invalid_utf8(t.value), "invalid UTF-8 in the value of the " + where);
  QUIVER_FUZZ_CHECK(!find_invalid_utf8(t.datatype), "invalid UTF-8 in the datatype of the " + where);
  QUIVER_FUZZ_CHECK(!find_invalid_utf8(t.language), "invalid UTF-8 in the language of the " + where);
  QUIVER_FUZZ_CHECK(t.language.empty() || t.datatype.empty(), "language and datatype on the " + where);
  if (t.kind != TermKind::Literal)
    QUIVER_FUZZ_CHECK(t.language.empty() && t.datatype.empty(), "a non-literal with a datatype: " + where);
  if (t.kind == TermKind::Blank) QUIVER_FUZZ_CHECK(!t.value.empty(), "an empty blank node label: " + where);
  // The strict N-Triples parser hands out absolute IRIs only (Raptor resolves relative ones first).
  if (t.kind == TermKind::Iri && line_based)
    QUIVER_FUZZ_CHECK(t.value.find(':') != std::string::npos, "a relative IRI: " + where);
}

// Parses `document` and checks every statement and error the reader hands out.
inline Parsed parse_checked(RdfFormat format, std::string_view document, uint64_t first_line = 1) {
  Parsed out;
  const bool line_based = is_line_based(format);
  RdfReader reader(format, "http://example.org/base/");
  reader.parse(
      document, "fuzz", first_line,
      [&](const TermView& s, const TermView& p, const TermView& o, const TermView* g) {
        Statement st{s.to_term(), p.to_term(), o.to_term(),
                     g ? std::optional<Term>(g->to_term()) : std::nullopt};
        QUIVER_FUZZ_CHECK(st.p.kind == TermKind::Iri, "a predicate that is not an IRI: " + show(st.p));
        QUIVER_FUZZ_CHECK(st.s.kind != TermKind::Literal, "a literal subject: " + show(st.s));
        if (st.g) QUIVER_FUZZ_CHECK(st.g->kind != TermKind::Literal, "a literal graph name: " + show(*st.g));
        if (format != RdfFormat::NQuads && format != RdfFormat::TriG)
          QUIVER_FUZZ_CHECK(!st.g, "a graph name in a format without graphs");
        check_term(st.s, "subject", line_based);
        check_term(st.p, "predicate", line_based);
        check_term(st.o, "object", line_based);
        if (st.g) check_term(*st.g, "graph", line_based);
        out.statements.push_back(std::move(st));
      },
      [&](const SyntaxError& e) {
        QUIVER_FUZZ_CHECK(!e.message.empty(), "a syntax error without a message");
        // Messages are echoed to terminals and logs: they must be valid UTF-8 whatever the input was.
        QUIVER_FUZZ_CHECK(!find_invalid_utf8(e.message, false), "invalid UTF-8 or NUL in an error message");
        if (e.line) QUIVER_FUZZ_CHECK(e.line >= first_line, "an error before the first line");
        out.errors.push_back(e);
      });
  return out;
}

// N-Triples / N-Quads text of parsed statements, one per line.
inline std::string serialise(const std::vector<Statement>& statements) {
  std::string text;
  for (const auto& st : statements) {
    append_ntriples(st.s, text);
    text += ' ';
    append_ntriples(st.p, text);
    text += ' ';
    append_ntriples(st.o, text);
    if (st.g) {
      text += ' ';
      append_ntriples(*st.g, text);
    }
    text += " .\n";
  }
  return text;
}

// The checks of the line-based formats: re-serialising what was parsed and parsing it again gives the same
// statements without an error, and a document split at a line boundary into two chunks (the loader's
// parallel mode) gives the same statements and the same error lines as the whole.
inline void check_line_based(RdfFormat format, std::string_view document) {
  const Parsed whole = parse_checked(format, document);

  const std::string again_text = serialise(whole.statements);
  const Parsed again = parse_checked(format, again_text);
  QUIVER_FUZZ_CHECK(again.errors.empty(),
                    "re-serialised statements do not parse: " +
                        (again.errors.empty() ? std::string() : again.errors[0].to_string()));
  QUIVER_FUZZ_CHECK(again.statements == whole.statements, "re-serialised statements parse differently");

  const size_t middle = document.find('\n', document.size() / 2);
  if (middle == std::string_view::npos) return;
  const std::string_view head = document.substr(0, middle + 1), tail = document.substr(middle + 1);
  uint64_t head_lines = 0;  // LF, CR and CRLF each end a line
  for (size_t i = 0; i < head.size(); ++i)
    if (head[i] == '\n' || (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n'))) ++head_lines;
  Parsed first = parse_checked(format, head), second = parse_checked(format, tail, head_lines + 1);
  first.statements.insert(first.statements.end(), second.statements.begin(), second.statements.end());
  first.errors.insert(first.errors.end(), second.errors.begin(), second.errors.end());
  QUIVER_FUZZ_CHECK(first.statements == whole.statements, "two chunks give other statements than the whole");
  QUIVER_FUZZ_CHECK(first.errors.size() == whole.errors.size(), "two chunks give another number of errors");
  for (size_t i = 0; i < whole.errors.size(); ++i)
    QUIVER_FUZZ_CHECK(
        first.errors[i].line == whole.errors[i].line && first.errors[i].column == whole.errors[i].column,
        "an error moves when the document is split: " + whole.errors[i].to_string() + " vs " +
            first.errors[i].to_string());
}

}  // namespace quiver::fuzz
