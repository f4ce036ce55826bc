#include "parser/rdf_writer.h"

#include "parser/raptor_handles.h"
#include "parser/turtle_writer.h"
#include "parser/utf8.h"

#include <raptor2.h>

#include <stdexcept>
#include <string>

namespace quiver {
namespace {

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.c_str());
}

RaptorTerm to_raptor(raptor_world* world, const Term& t) {
  switch (t.kind) {
    case TermKind::Iri:
      return RaptorTerm(raptor_new_term_from_counted_uri_string(world, bytes(t.value), t.value.size()));
    case TermKind::Blank:
      return RaptorTerm(raptor_new_term_from_counted_blank(world, bytes(t.value), t.value.size()));
    case TermKind::Literal: {
      raptor_uri* dt = t.datatype.empty() ? nullptr : raptor_new_uri(world, bytes(t.datatype));
      RaptorTerm term(raptor_new_term_from_counted_literal(world, bytes(t.value), t.value.size(), dt,
                                                           t.language.empty() ? nullptr : bytes(t.language),
                                                           static_cast<unsigned char>(t.language.size())));
      if (dt) raptor_free_uri(dt);
      return term;
    }
  }
  return nullptr;
}

}  // namespace

struct RdfWriter::Impl {
  RdfFormat format;
  std::FILE* out;
  std::string line;
  std::unique_ptr<TurtleWriter> turtle;
  RaptorWorld world;
  // Ours, not the serializer's: Raptor frees a stream it made itself only when the document ends, so a writer
  // given up after an error leaked it.
  RaptorIostream stream;
  RaptorSerializer serializer;
};

RdfWriter::RdfWriter(RdfFormat format, std::FILE* out) : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->out = out;
  if (is_line_based(format)) return;
  if (format == RdfFormat::Turtle || format == RdfFormat::TriG) {
    impl_->turtle = std::make_unique<TurtleWriter>(out);
    return;
  }
  impl_->world = open_raptor_world();
  impl_->serializer.reset(raptor_new_serializer(impl_->world.get(), raptor_syntax(format)));
  if (!impl_->serializer)
    throw std::runtime_error("Raptor has no serializer for " + std::string(format_name(format)));
  impl_->stream.reset(raptor_new_iostream_to_file_handle(impl_->world.get(), out));
  raptor_serializer_start_to_iostream(impl_->serializer.get(), nullptr, impl_->stream.get());
}

RdfWriter::~RdfWriter() = default;

void RdfWriter::write(const Term& s, const Term& p, const Term& o, const Term* graph) {
  if (graph && !has_graphs(impl_->format))
    throw std::runtime_error(std::string(format_name(impl_->format)) +
                             " cannot hold named graphs; choose nquads or select one graph");
  if (is_line_based(impl_->format)) {
    std::string& line = impl_->line;
    line.clear();
    append_ntriples(s, line);
    line.push_back(' ');
    append_ntriples(p, line);
    line.push_back(' ');
    append_ntriples(o, line);
    if (graph) {
      line.push_back(' ');
      append_ntriples(*graph, line);
    }
    line += " .\n";
    std::fwrite(line.data(), 1, line.size(), impl_->out);
    return;
  }
  if (impl_->turtle) return impl_->turtle->write(s, p, o, graph);
  // Raptor's RDF/XML serializer drops what XML cannot hold without a word, and U+007F too (which XML
  // allows): refuse the statement instead.
  for (const Term* t : {&s, &p, &o})
    if (!xml_representable(t->value) || !xml_representable(t->datatype) ||
        t->value.find('\x7f') != std::string::npos)
      throw std::runtime_error("RDF/XML cannot hold the control character in " +
                               to_ntriples(*t).substr(0, 200) + "; choose ntriples or turtle");
  raptor_world* w = impl_->world.get();
  RaptorTerm rs = to_raptor(w, s), rp = to_raptor(w, p), ro = to_raptor(w, o);
  raptor_statement st;
  raptor_statement_init(&st, w);
  st.subject = rs.get();
  st.predicate = rp.get();
  st.object = ro.get();
  raptor_serializer_serialize_statement(impl_->serializer.get(), &st);
}

void RdfWriter::finish() {
  if (impl_->turtle) impl_->turtle->finish();
  if (impl_->serializer) raptor_serializer_serialize_end(impl_->serializer.get());
  std::fflush(impl_->out);
}

}  // namespace quiver
