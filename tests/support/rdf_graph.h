// Test support: RDF documents read into memory, and comparison of two of them up to blank-node renaming.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "parser/rdf_reader.h"

namespace quiver::testing {

// s, p, o, g; g is the empty IRI for the default graph.
using TermQuad = std::array<Term, 4>;

struct ParsedDocument {
  std::vector<TermQuad> quads;
  std::vector<SyntaxError> errors;
};

ParsedDocument parse_document(const std::filesystem::path& path, RdfFormat format,
                              const std::string& base_iri);

// True when a bijection between the blank nodes of `a` and `b` makes them the same set of quads.
bool isomorphic(std::vector<TermQuad> a, std::vector<TermQuad> b);

std::string describe(const std::vector<TermQuad>& quads);

}  // namespace quiver::testing
