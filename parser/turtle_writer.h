// Turtle and TriG written directly, as a stream (internal to parser/).
//
// Raptor's Turtle serializer nests blank nodes: it loses triples on blank-node cycles, grows quadratically on
// chains and overflows its stack on long ones. This writer labels every blank node (`_:label`), so any
// graph round-trips, in one pass and constant memory: consecutive triples of a subject share it with ';',
// of a subject and predicate with ','. Well-known namespaces are abbreviated.
#pragma once

#include <cstdio>
#include <string>

#include "store/term.h"

namespace quiver {

class TurtleWriter {
 public:
  // Quads of named graphs go into TriG's `<g> { ... }` blocks; a Turtle caller passes none.
  explicit TurtleWriter(std::FILE* out);
  void write(const Term& s, const Term& p, const Term& o, const Term* graph);
  void finish();

 private:
  void close_statement();
  void append_term(const Term& term);
  void flush_if_large();

  std::FILE* out_;
  bool open_ = false;  // a statement is open: its subject (and predicate) may continue
  std::string graph_;  // the open graph block's N-Triples form; empty for the default graph
  std::string subject_, predicate_;
  std::string buffer_, term_;
};

}  // namespace quiver
