#include "query/query.h"

#include <set>

#include "query/executor.h"
#include "query/explain.h"
#include "query/join_order.h"

namespace quiver::query {
namespace {

void set_dataset(QueryContext& ctx, const Query& q, const QueryOptions& options) {
  Dataset& ds = ctx.dataset();
  ds.union_default = options.union_default_graph;
  if (!q.from.empty() || !q.from_named.empty()) {
    ds.union_default = false;
    ds.default_graphs.clear();
    for (const auto& iri : q.from)
      ds.default_graphs.push_back(ctx.stored_id(Term::iri(iri)).value_or(kUnbound));
    ds.named_graphs.emplace();
    for (const auto& iri : q.from_named)
      if (auto id = ctx.stored_id(Term::iri(iri))) ds.named_graphs->push_back(*id);
  }
}

std::optional<Term> instantiate(const PatternTerm& p, const Row& row, QueryContext& ctx, size_t solution) {
  if (p.var) {
    if (row[*p.var] == kUnbound) return std::nullopt;
    return ctx.term(row[*p.var]);
  }
  if (p.constant.kind == TermKind::Blank)
    return Term::blank(p.constant.value + "_" + std::to_string(solution));
  return p.constant;
}

// A template triple instantiates to RDF only with a non-literal subject and an IRI predicate.
bool valid_triple(const Term& s, const Term& p) {
  return s.kind != TermKind::Literal && p.kind == TermKind::Iri;
}

void construct(Executor& ex, const Query& q, RowStream& rows, ResultSink& sink) {
  std::set<std::string> seen;  // a graph is a set: each triple goes out once
  ChargedMemory held(ex.context());
  Row row;
  for (size_t n = 0; rows.next(row); ++n) {
    ex.context().check_deadline();
    for (const auto& t : q.construct) {
      auto s = instantiate(t.s, row, ex.context(), n), p = instantiate(t.p, row, ex.context(), n),
           o = instantiate(t.o, row, ex.context(), n);
      if (!s || !p || !o || !valid_triple(*s, *p)) continue;
      std::string key = identity_key(*s) + '\x1f' + identity_key(*p) + '\x1f' + identity_key(*o);
      const size_t bytes = key.size() + ChargedMemory::kSetEntryBytes;
      if (!seen.insert(std::move(key)).second) continue;
      held.charge(bytes);
      sink.triple(*s, *p, *o);
    }
  }
}

// DESCRIBE: the concise bounded description of each resource (its triples, following blank node objects).
void describe(Executor& ex, const Query& q, RowStream& rows, ResultSink& sink) {
  QueryContext& ctx = ex.context();
  std::vector<TermId> todo;
  Row row;
  while (rows.next(row)) {
    ctx.check_deadline();
    for (const auto& d : q.describe) {
      if (d.var) {
        if (row[*d.var] != kUnbound) todo.push_back(row[*d.var]);
      } else if (auto id = ctx.stored_id(d.constant)) {
        todo.push_back(*id);
      }
    }
  }
  std::set<TermId> done;
  ChargedMemory held(ctx);
  while (!todo.empty()) {
    TermId id = todo.back();
    todo.pop_back();
    if (!done.insert(id).second) continue;
    ctx.check_deadline();
    held.charge(sizeof(TermId) + ChargedMemory::kSetEntryBytes);
    for (auto c = ctx.store().scan({.s = id, .p = {}, .o = {}, .g = kDefaultGraph}); c.valid(); c.next()) {
      const Quad& quad = c.quad();
      const Term& o = ctx.term(quad.o);
      sink.triple(ctx.term(quad.s), ctx.term(quad.p), o);
      if (o.kind == TermKind::Blank) todo.push_back(quad.o);
    }
  }
}

// Runs the query under `stop`, whose deadline the caller has set.
void execute(const Store& store, const Query& q, const QueryOptions& options, ResultSink& sink,
             const Cancellation& stop) {
  if (const StopReason r = stop.reason(); r != StopReason::Running) throw stop_error(r, "the query");
  const uint64_t view_sequence = store.change_sequence();  // read before the view: at most the view's
  const ReadView view(store, &stop);  // the query sees the store as of now, whatever commits meanwhile
  QueryContext ctx(view, q.variables.size(), stop, options.memory_limit);
  ctx.set_text_index(options.text_index, view_sequence);
  set_dataset(ctx, q, options);
  const NodePtr root = plan_join_order(ctx, q.root);
  Executor ex(ctx);
  ex.plan(*root);  // the physical plan, made before anything runs
  if (options.plan && options.plan_only) {
    *options.plan = explain_plan(ex, *root, q.variables);
    return;
  }
  if (options.plan) ex.enable_profiling();
  auto rows = ex.open(*root, ctx.empty_row());
  switch (q.form) {
    case Query::Form::Select: {
      std::vector<std::string> names;
      for (VarId v : q.projection) names.push_back(q.variables.name(v));
      sink.start_solutions(names);
      // Rows come in batches (operators join and look up a batch at a time) and go out with their terms
      // decoded in one read per batch.
      const size_t width = ctx.variables();
      std::vector<TermId> cells, ids;
      std::vector<std::optional<Term>> values(q.projection.size());
      for (size_t n; (n = rows->next_rows(cells, width)) > 0; cells.clear()) {
        ids.clear();
        for (size_t r = 0; r < n; ++r)
          for (VarId v : q.projection) ids.push_back(cells[r * width + v]);
        ctx.prefetch_terms(ids);
        for (size_t r = 0; r < n; ++r) {
          ctx.check_deadline();  // writing a row costs more than most operators spend making it
          for (size_t i = 0; i < q.projection.size(); ++i) {
            const TermId id = cells[r * width + q.projection[i]];
            values[i] = id == kUnbound ? std::nullopt : std::optional<Term>(ctx.term(id));
          }
          sink.solution(values);
        }
      }
      break;
    }
    case Query::Form::Ask: {
      Row row;
      sink.boolean(rows->next(row));
      break;
    }
    case Query::Form::Construct:
      sink.start_graph();
      construct(ex, q, *rows, sink);
      break;
    case Query::Form::Describe:
      sink.start_graph();
      describe(ex, q, *rows, sink);
      break;
  }
  ctx.hand_over_lookups();
  sink.finish();
  if (options.plan) *options.plan = explain_plan(ex, *root, q.variables);
}

}  // namespace

void run_query(const Store& store, std::string_view text, const QueryOptions& options, ResultSink& sink) {
  // The timeout covers the whole request, parsing included.
  const auto start = std::chrono::steady_clock::now();
  const Query q = parse_query(text, options.base_iri);
  run_query(store, q, options, sink, start);
}

void run_query(const Store& store, const Query& q, const QueryOptions& options, ResultSink& sink,
               std::chrono::steady_clock::time_point start) {
  Cancellation own;
  Cancellation& stop = options.cancellation ? *options.cancellation : own;
  stop.limit(start + options.timeout);
  try {
    execute(store, q, options, sink, stop);
  } catch (const Stopped& s) {  // thrown by the store's walks
    throw stop_error(s.reason, "the query");
  }
}

}  // namespace quiver::query
