#include "parser/turtle_writer.h"

#include <array>
#include <stdexcept>
#include <string_view>

namespace quiver {
namespace {

struct Prefix {
  std::string_view name, iri;
};
constexpr std::array<Prefix, 6> kPrefixes = {{
    {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
    {"xsd", "http://www.w3.org/2001/XMLSchema#"},
    {"owl", "http://www.w3.org/2002/07/owl#"},
    {"skos", "http://www.w3.org/2004/02/skos/core#"},
    {"dcterms", "http://purl.org/dc/terms/"},
}};
constexpr std::string_view kRdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

// A local name written without escapes: letters, digits, '_' and '-', starting with a letter or '_'.
bool plain_local_name(std::string_view local) {
  if (local.empty()) return false;
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!letter(local[0])) return false;
  for (char c : local)
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-') return false;
  return true;
}

// The prefixed name of `iri`, or empty when none applies.
std::string prefixed_name(std::string_view iri) {
  for (const Prefix& p : kPrefixes)
    if (iri.size() > p.iri.size() && iri.substr(0, p.iri.size()) == p.iri &&
        plain_local_name(iri.substr(p.iri.size())))
      return std::string(p.name) + ":" + std::string(iri.substr(p.iri.size()));
  return {};
}

}  // namespace

TurtleWriter::TurtleWriter(std::FILE* out) : out_(out) {
  for (const Prefix& p : kPrefixes)
    buffer_ += "@prefix " + std::string(p.name) + ": <" + std::string(p.iri) + "> .\n";
}

void TurtleWriter::append_term(const Term& term) {
  if (term.kind == TermKind::Iri) {
    if (std::string name = prefixed_name(term.value); !name.empty()) return void(term_ += name);
  }
  if (term.kind == TermKind::Literal && !term.datatype.empty()) {
    if (std::string name = prefixed_name(term.datatype); !name.empty()) {
      append_ntriples(Term::literal(term.value), term_);
      term_ += "^^" + name;
      return;
    }
  }
  // N-Triples syntax is Turtle syntax; blank node labels stay labels.
  append_ntriples(term, term_);
}

void TurtleWriter::close_statement() {
  if (open_) buffer_ += " .\n";
  open_ = false;
}

void TurtleWriter::write(const Term& s, const Term& p, const Term& o, const Term* graph) {
  if (graph && graph->kind == TermKind::Blank)
    throw std::runtime_error(
        "a graph named by a blank node cannot be written as TriG that Raptor reads back; dump as nquads");
  term_.clear();
  if (graph) append_ntriples(*graph, term_);
  if (term_ != graph_) {
    close_statement();
    if (!graph_.empty()) buffer_ += "}\n";
    graph_ = term_;
    if (!graph_.empty()) buffer_ += graph_ + " {\n";
  }
  term_.clear();
  append_term(s);
  std::string subject = term_;
  term_.clear();
  if (p.kind == TermKind::Iri && p.value == kRdfType)
    term_ = "a";
  else
    append_term(p);
  std::string predicate = term_;
  term_.clear();
  append_term(o);
  const char* indent = graph_.empty() ? "" : "  ";
  if (open_ && subject == subject_ && predicate == predicate_) {
    buffer_ += ", ";
  } else if (open_ && subject == subject_) {
    buffer_ += std::string(" ;\n") + indent + "    " + predicate + " ";
  } else {
    close_statement();
    buffer_ += indent + subject + " " + predicate + " ";
  }
  buffer_ += term_;
  subject_ = std::move(subject);
  predicate_ = std::move(predicate);
  open_ = true;
  flush_if_large();
}

void TurtleWriter::flush_if_large() {
  if (buffer_.size() < (1 << 16)) return;
  std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  buffer_.clear();
}

void TurtleWriter::finish() {
  close_statement();
  if (!graph_.empty()) buffer_ += "}\n";
  graph_.clear();
  std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  buffer_.clear();
}

}  // namespace quiver
