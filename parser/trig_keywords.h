// TriG 1.1's SPARQL-style keywords for Raptor (internal to parser/).
//
// Raptor 2.0.15's TriG parser knows neither the GRAPH keyword nor SPARQL-style PREFIX and BASE, all valid
// TriG 1.1. This filter rewrites them, as a stream of line-aligned pieces, into forms Raptor reads:
// `GRAPH` becomes spaces (columns stay put), `PREFIX p: <iri>` becomes `@prefix p: <iri> .` and
// `BASE <iri>` becomes `@base <iri> .`. It tracks IRIs, strings and comments, so text inside them is
// never touched.
#pragma once

#include <string>
#include <string_view>

namespace quiver {

class TrigKeywords {
 public:
  // The piece as Raptor should see it; a view of `piece` itself when nothing changes.
  std::string_view rewrite(std::string_view piece);

 private:
  enum class State { Normal, Iri, Comment, String, LongString };
  State state_ = State::Normal;
  char quote_ = '"';
  bool dot_after_iri_ = false;  // a rewritten PREFIX or BASE ends after its IRI
  char previous_ = '\n';        // the last byte of the previous piece, for word boundaries
  std::string out_;
};

}  // namespace quiver
