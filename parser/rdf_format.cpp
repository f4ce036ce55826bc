#include "parser/rdf_format.h"

#include <string>

namespace quiver {

std::optional<RdfFormat> format_from_name(std::string_view name) {
  if (name == "ntriples" || name == "nt" || name == "n-triples") return RdfFormat::NTriples;
  if (name == "nquads" || name == "nq" || name == "n-quads") return RdfFormat::NQuads;
  if (name == "turtle" || name == "ttl") return RdfFormat::Turtle;
  if (name == "trig") return RdfFormat::TriG;
  if (name == "rdfxml" || name == "rdf" || name == "xml" || name == "owl" || name == "rdf/xml")
    return RdfFormat::RdfXml;
  return std::nullopt;
}

std::optional<RdfFormat> format_from_path(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  if (p.extension() == ".gz") p = p.stem();
  std::string ext = p.extension().string();
  if (ext.empty()) return std::nullopt;
  return format_from_name(std::string_view(ext).substr(1));
}

const char* format_name(RdfFormat format) {
  switch (format) {
    case RdfFormat::NTriples:
      return "ntriples";
    case RdfFormat::NQuads:
      return "nquads";
    case RdfFormat::Turtle:
      return "turtle";
    case RdfFormat::TriG:
      return "trig";
    case RdfFormat::RdfXml:
      return "rdfxml";
  }
  return "?";
}

// Raptor's names happen to be Quiver's names.
const char* raptor_syntax(RdfFormat format) {
  return format_name(format);
}

}  // namespace quiver
