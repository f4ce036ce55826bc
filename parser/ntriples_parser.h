// N-Triples and N-Quads (RDF 1.1), parsed line by line (internal to parser/).
//
// Raptor's N-Triples parser accepts what the grammar forbids (overlong UTF-8, surrogate escapes, relative
// IRIs, a missing final '.') and, after some errors, loses the rest of its input. Every statement sits on
// one line, so a strict parser of our own checks each line against the grammar, reports a bad line once
// with its column, and goes on with the next: nothing good is dropped, nothing invalid is stored.
#pragma once

#include <string>
#include <string_view>

#include "parser/rdf_reader.h"

namespace quiver {

class NTriplesParser {
 public:
  explicit NTriplesParser(bool quads) : quads_(quads) {}

  // Parses every line of `document` (lines end with LF, CR or CRLF). `first_line` numbers its first line
  // and `file` names it in errors; each bad line reaches `on_error` exactly once.
  void parse(std::string_view document, std::string_view file, uint64_t first_line,
             const StatementHandler& on_statement, const ErrorHandler& on_error);

 private:
  class Line;
  const bool quads_;
  // Unescaped text of the terms of the current line, reused from line to line.
  std::string buffers_[5];
};

}  // namespace quiver
