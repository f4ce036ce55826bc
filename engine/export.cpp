// Database::export_quads: what `quiver dump` writes.
#include "engine/database.h"
#include "parser/rdf_writer.h"

namespace quiver {
namespace {

// The pattern of the quads to write: one graph's, or all of them.
QuadPattern export_pattern(const ReadView& view, const ExportOptions& options) {
  QuadPattern pattern;
  if (options.graph == "default") {
    pattern.g = kDefaultGraph;
  } else if (!options.graph.empty()) {
    auto id = view.find(Term::iri(options.graph));
    if (!id)
      throw DatabaseError(DatabaseError::Kind::NotFound, "the store has no graph <" + options.graph + ">");
    pattern.g = *id;
  } else if (!has_graphs(options.format)) {
    pattern.g = kDefaultGraph;
    const auto& graphs = view.statistics().graphs;
    if (graphs.size() > graphs.count(kDefaultGraph))
      throw DatabaseError(
          DatabaseError::Kind::Invalid,
          std::string(format_name(options.format)) +
              " holds one graph but the store has named graphs: export N-Quads, or one graph");
  }
  return pattern;
}

Term decoded(const ReadView& view, TermId id) {
  auto term = view.term(id);
  if (!term) throw std::runtime_error("the store references a term missing from its dictionary");
  return std::move(*term);
}

}  // namespace

void Database::export_quads(const ExportOptions& options, std::FILE* out, const Cancellation* stop) const {
  const ReadView view(*store_, stop);  // one state of the store, whatever commits meanwhile
  const QuadPattern pattern = export_pattern(view, options);
  RdfWriter writer(options.format, out);
  const bool with_graph = has_graphs(options.format);
  uint64_t written = 0;
  for (QuadCursor c = view.scan(pattern); c.valid(); c.next()) {
    if (stop && ++written % 4096 == 0) stop->check();
    const Quad& q = c.quad();
    std::optional<Term> g;
    if (with_graph && q.g != kDefaultGraph) g = decoded(view, q.g);
    writer.write(decoded(view, q.s), decoded(view, q.p), decoded(view, q.o), g ? &*g : nullptr);
  }
  writer.finish();
  if (std::ferror(out)) throw std::runtime_error("writing the export failed (is the disk full?)");
}

}  // namespace quiver
