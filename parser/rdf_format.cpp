#include "parser/rdf_format.h"

#include <cctype>
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

const char* media_type(RdfFormat format) {
  switch (format) {
    case RdfFormat::NTriples:
      return "application/n-triples";
    case RdfFormat::NQuads:
      return "application/n-quads";
    case RdfFormat::Turtle:
      return "text/turtle";
    case RdfFormat::TriG:
      return "application/trig";
    case RdfFormat::RdfXml:
      return "application/rdf+xml";
  }
  return "application/octet-stream";
}

std::optional<RdfFormat> format_from_media_type(std::string_view type) {
  std::string t(type.substr(0, type.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "text/plain") return RdfFormat::NTriples;
  if (t == "application/x-turtle") return RdfFormat::Turtle;
  for (RdfFormat f :
       {RdfFormat::NTriples, RdfFormat::NQuads, RdfFormat::Turtle, RdfFormat::TriG, RdfFormat::RdfXml})
    if (t == media_type(f)) return f;
  return std::nullopt;
}

const char* file_extension(RdfFormat format) {
  switch (format) {
    case RdfFormat::NTriples:
      return ".nt";
    case RdfFormat::NQuads:
      return ".nq";
    case RdfFormat::Turtle:
      return ".ttl";
    case RdfFormat::TriG:
      return ".trig";
    case RdfFormat::RdfXml:
      return ".rdf";
  }
  return "";
}

// Raptor's names happen to be Quiver's names.
const char* raptor_syntax(RdfFormat format) {
  return format_name(format);
}

}  // namespace quiver
