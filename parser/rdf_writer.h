// Writing statements as RDF text. N-Triples, N-Quads, Turtle and TriG are written directly (UTF-8, RDF 1.1
// escapes, every blank node labelled); RDF/XML goes through Raptor's serializer.
#pragma once

#include <cstdio>
#include <memory>

#include "parser/rdf_format.h"
#include "store/term.h"

namespace quiver {

class RdfWriter {
 public:
  // Writes to `out`, which must stay open until finish().
  RdfWriter(RdfFormat format, std::FILE* out);
  ~RdfWriter();

  // `graph` null for the default graph; formats without graphs reject a non-null graph.
  void write(const Term& s, const Term& p, const Term& o, const Term* graph);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver
