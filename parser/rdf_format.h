// The RDF syntaxes Quiver reads and writes, and how a file name or a --format value maps to one.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace quiver {

enum class RdfFormat { NTriples, NQuads, Turtle, TriG, RdfXml };

// "ntriples"/"nt", "nquads"/"nq", "turtle"/"ttl", "trig", "rdfxml"/"rdf"/"xml"/"owl".
std::optional<RdfFormat> format_from_name(std::string_view name);
// From the extension, looking through a trailing ".gz".
std::optional<RdfFormat> format_from_path(const std::filesystem::path& path);
const char* format_name(RdfFormat format);
// The format's registered media type ("text/turtle"), and back: a Content-Type's type (parameters and case
// ignored), with text/plain as N-Triples' old name.
const char* media_type(RdfFormat format);
std::optional<RdfFormat> format_from_media_type(std::string_view type);
// The file extension the loader reads the format from (".ttl").
const char* file_extension(RdfFormat format);
// Raptor's parser/serializer name for the format.
const char* raptor_syntax(RdfFormat format);
// Formats where every statement sits on one line, so a file can be split at line boundaries.
inline bool is_line_based(RdfFormat f) {
  return f == RdfFormat::NTriples || f == RdfFormat::NQuads;
}
inline bool has_graphs(RdfFormat f) {
  return f == RdfFormat::NQuads || f == RdfFormat::TriG;
}

}  // namespace quiver
