#include "query/update.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "parser/rdf_format.h"
#include "parser/rdf_reader.h"
#include "query/context.h"
#include "query/executor.h"
#include "query/join_order.h"
#include "store/transaction.h"

namespace quiver::query {
namespace {

using Kind = UpdateOperation::Kind;
using Target = UpdateOperation::Target;

bool is_local(TermId id) {
  return id != kUnbound && id_tag(id) == static_cast<IdTag>(0xF);
}

class UpdateRunner {
 public:
  UpdateRunner(Store& store, const UpdateOptions& options, const Cancellation& stop)
      : store_(store),
        txn_(store.begin_transaction()),
        options_(options),
        stop_(stop),
        blank_prefix_(unique_blank_prefix()) {
    txn_->set_memory_budget(options.memory_limit / 4);  // changes past it spill to disk
    txn_->set_cancellation(&stop);
  }

  void run(const UpdateOperation& op) {
    if (!op.continues_previous) ++operation_;  // a large data block's chunks are one operation
    switch (op.kind) {
      case Kind::Modify:
        return modify(op);
      case Kind::Load:
        return load(op);
      case Kind::Clear:
      case Kind::Drop:
        return clear(op);
      case Kind::Create: {
        const TermId g = txn_->intern(Term::iri(*op.graph));
        if (txn_->graph_exists(g)) {
          if (!op.silent) throw QueryError("CREATE GRAPH <" + *op.graph + ">: the graph exists already");
          return;
        }
        return txn_->create_graph(g);
      }
      case Kind::Add:
      case Kind::Move:
      case Kind::Copy:
        return transfer(op);
    }
  }

  // Applies the changes an operation staged; those of the request's last stay staged until the commit.
  void end_operation(bool last) { txn_->apply_staged(last); }

  UpdateReport commit() {
    check_limits();
    txn_->commit(options_.sync, [this](const std::string& stage) { progress(stage, 0); });
    UpdateReport report;
    report.operations = operation_;
    for (auto& [g, change] : txn_->changes()) {
      std::string name;
      if (g != kDefaultGraph)
        if (auto t = store_.term(g)) name = t->value;  // committed: no need for the transaction's view
      report.graphs.push_back({name, change.inserted, change.deleted});
      report.inserted += change.inserted;
      report.deleted += change.deleted;
    }
    return report;
  }

 private:
  // ---- DELETE / INSERT ... WHERE (and the DATA forms, which are templates over one empty solution) -------
  // The WHERE clause streams: each solution's deletes and inserts are staged as it arrives (the transaction
  // sorts them, spilling to disk when they are many), so no solution is held.

  void modify(const UpdateOperation& op) {
    // Deletes match stored terms only: look the templates' constants up once, before anything changes.
    std::map<const PatternTerm*, std::optional<TermId>> stored;
    for (const QuadTemplate& t : op.deletes)
      for (const PatternTerm* p : {&t.triple.s, &t.triple.p, &t.triple.o, t.graph ? &*t.graph : nullptr})
        if (p && !p->var) stored[p] = txn_->find(p->constant);
    const std::optional<TermId> delete_graph =
        op.with ? txn_->find(Term::iri(*op.with)) : std::optional<TermId>(kDefaultGraph);
    const TermId insert_graph = op.with ? txn_->intern(Term::iri(*op.with)) : kDefaultGraph;
    uint64_t solution = 0;
    for_each_solution(op, [&](const Row& row, QueryContext* ctx) {
      check_limits();
      for (const QuadTemplate& t : op.deletes)
        if (auto q = existing_quad(t, row, ctx, stored, delete_graph)) txn_->stage_remove(*q);
      for (const QuadTemplate& t : op.inserts)
        if (auto q = new_quad(t, row, ctx, insert_graph, solution)) txn_->stage_insert(*q);
      ++solution;
    });
  }

  // Calls `fn` with each solution of the operation's WHERE clause and the query context that computed it
  // (null for the DATA forms' one empty solution: nothing to read).
  template <class Fn>
  void for_each_solution(const UpdateOperation& op, Fn&& fn) {
    if (op.data) {
      fn(Row(op.where.variables.size(), kUnbound), nullptr);
      return;
    }
    const ReadView& view = txn_->view();
    QueryContext ctx(view, op.where.variables.size(), stop_, options_.memory_limit);
    ctx.set_text_index(options_.text_index, store_.change_sequence());
    set_dataset(op, view, ctx.dataset());
    const NodePtr root = plan_join_order(ctx, op.where.root);
    Executor ex(ctx);
    ex.plan(*root);
    auto stream = ex.open(*root, ctx.empty_row());
    Row row;
    for (uint64_t n = 1; stream->next(row); ++n) {
      ctx.check_deadline();
      if (n % 100'000 == 0) progress("matching WHERE", n);
      fn(row, &ctx);
    }
  }

  void set_dataset(const UpdateOperation& op, const ReadView& view, Dataset& ds) {
    auto ids = [&](const std::vector<std::string>& iris) {
      std::vector<TermId> out;
      for (const auto& iri : iris) out.push_back(view.find(Term::iri(iri)).value_or(kUnbound - 1));
      return out;
    };
    if (!op.using_graphs.empty() || !op.using_named.empty()) {
      ds.default_graphs = ids(op.using_graphs);
      ds.named_graphs = ids(op.using_named);
    } else if (op.with) {
      ds.default_graphs = {view.find(Term::iri(*op.with)).value_or(kUnbound - 1)};
    }
  }

  static TermId value(const PatternTerm& p, const Row& row) { return p.var ? row[*p.var] : kUnbound; }

  std::optional<Quad> existing_quad(const QuadTemplate& t, const Row& row, QueryContext* ctx,
                                    const std::map<const PatternTerm*, std::optional<TermId>>& stored,
                                    std::optional<TermId> default_graph) {
    auto id = [&](const PatternTerm& p) -> std::optional<TermId> {
      if (!p.var) return stored.at(&p);
      const TermId v = value(p, row);
      if (v == kUnbound) return std::nullopt;
      if (is_local(v)) return txn_->find(ctx->term(v));  // computed: deletes it only if the store has it
      return v;
    };
    auto s = id(t.triple.s), p = id(t.triple.p), o = id(t.triple.o);
    std::optional<TermId> g = t.graph ? id(*t.graph) : default_graph;
    if (!s || !p || !o || !g) return std::nullopt;
    return Quad{*s, *p, *o, *g};
  }

  std::optional<Quad> new_quad(const QuadTemplate& t, const Row& row, QueryContext* ctx, TermId default_graph,
                               uint64_t solution) {
    // Terms first, checked for their place (a literal subject, a blank graph name...), then interned:
    // a skipped triple adds nothing to the dictionary.
    std::optional<Term> terms[4];
    TermId ids[4] = {kUnbound, kUnbound, kUnbound, default_graph};
    const PatternTerm* positions[4] = {&t.triple.s, &t.triple.p, &t.triple.o, t.graph ? &*t.graph : nullptr};
    for (int i = 0; i < 4; ++i) {
      const PatternTerm* p = positions[i];
      if (!p) continue;
      if (p->var) {
        const TermId v = value(*p, row);
        if (v == kUnbound) return std::nullopt;
        if (is_local(v))
          terms[i] = ctx->term(v);
        else
          ids[i] = v;
      } else if (p->constant.kind == TermKind::Blank) {
        terms[i] = Term::blank(blank_prefix_ + std::to_string(operation_) + "_" + std::to_string(solution) +
                               "_" + p->constant.value);
      } else {
        terms[i] = p->constant;
      }
      const TermKind kind = terms[i] ? terms[i]->kind : term_kind(ids[i]);
      const bool ok = i == 0 ? kind != TermKind::Literal : i == 2 ? true : kind == TermKind::Iri;
      if (!ok) return std::nullopt;
    }
    for (int i = 0; i < 4; ++i)
      if (terms[i]) ids[i] = txn_->intern(*terms[i]);
    return Quad{ids[0], ids[1], ids[2], ids[3]};
  }

  // ---- graph management ---------------------------------------------------------------------------------

  template <class Fn>
  void for_each_quad(TermId g, Fn&& fn) {
    for (QuadCursor c = txn_->view().scan({std::nullopt, std::nullopt, std::nullopt, g}); c.valid();
         c.next()) {
      check_limits();
      fn(c.quad());
    }
  }

  // Named graphs with quads, and those CREATE GRAPH made that are still empty.
  std::vector<TermId> named_graphs() {
    std::set<TermId> out;
    for (auto& [g, count] : txn_->view().statistics().graphs)
      if (g != kDefaultGraph && count > 0) out.insert(g);
    for (TermId g : txn_->created_graphs()) out.insert(g);
    return {out.begin(), out.end()};
  }

  // The id of a graph IRI if the graph exists (nullopt: the default graph).
  std::optional<TermId> existing_graph(const std::optional<std::string>& iri) {
    if (!iri) return kDefaultGraph;
    auto id = txn_->view().find(Term::iri(*iri));
    if (id && txn_->graph_exists(*id)) return id;
    return std::nullopt;
  }

  void clear(const UpdateOperation& op) {
    const bool drop = op.kind == Kind::Drop;
    std::vector<TermId> graphs;
    switch (op.target) {
      case Target::Graph: {
        auto g = existing_graph(op.graph);
        if (!g) {
          if (op.silent) return;
          throw QueryError(QueryError::Kind::NotFound, std::string(drop ? "DROP" : "CLEAR") + " GRAPH <" +
                                                           *op.graph + ">: no such graph");
        }
        graphs = {*g};
        break;
      }
      case Target::Default:
        graphs = {kDefaultGraph};
        break;
      case Target::Named:
        graphs = named_graphs();
        break;
      case Target::All:
        graphs = named_graphs();
        graphs.push_back(kDefaultGraph);
        break;
    }
    for (TermId g : graphs) for_each_quad(g, [&](const Quad& q) { txn_->stage_remove(q); });
    if (drop)
      for (TermId g : graphs)
        if (g != kDefaultGraph) txn_->forget_graph(g);
  }

  // ADD, COPY and MOVE (section 3.2.5-3.2.7): nothing happens when source and destination are the same.
  void transfer(const UpdateOperation& op) {
    if (op.graph == op.destination) return;
    auto source = existing_graph(op.graph);
    if (!source) {
      if (op.silent) return;
      throw QueryError(QueryError::Kind::NotFound, "the source graph <" + *op.graph + "> does not exist");
    }
    const std::optional<TermId> existing_destination = existing_graph(op.destination);
    const TermId destination = op.destination ? txn_->intern(Term::iri(*op.destination)) : kDefaultGraph;
    if (op.kind != Kind::Add && existing_destination)
      for_each_quad(*existing_destination, [&](const Quad& q) { txn_->stage_remove(q); });
    for_each_quad(*source, [&](const Quad& q) {
      if (op.kind == Kind::Move) txn_->stage_remove(q);
      txn_->stage_insert({q.s, q.p, q.o, destination});
    });
    if (op.kind == Kind::Move && *source != kDefaultGraph) txn_->forget_graph(*source);
  }

  // ---- LOAD -----------------------------------------------------------------------------------------------

  void load(const UpdateOperation& op) {
    try {
      const std::filesystem::path path = loadable_path(op.document);
      auto format = format_from_path(path);
      if (!format) throw QueryError("LOAD <" + op.document + ">: unknown RDF format (by its file name)");
      const std::string prefix = blank_prefix_ + "l" + std::to_string(operation_) + "_";
      auto own = [&](const TermView& v) {
        Term t = v.to_term();
        if (t.kind == TermKind::Blank) t.value = prefix + t.value;
        return t;
      };
      auto parse = [&](const StatementHandler& on_statement) {
        const std::string& base =
            options_.document_base_iri.empty() ? op.document : options_.document_base_iri;
        RdfReader(*format, base).parse_file(path, on_statement, [&](const SyntaxError& e) {
          throw ParseError(e);
        });
      };
      // Statements are staged as they are read (the transaction spills to disk past its budget: memory stays
      // bounded). A SILENT LOAD whose document is bad must add nothing while the request goes on: its
      // document is checked whole first.
      if (op.silent) parse([](const TermView&, const TermView&, const TermView&, const TermView*) {});
      const TermId into = op.graph ? txn_->intern(Term::iri(*op.graph)) : kDefaultGraph;
      parse([&](const TermView& s, const TermView& p, const TermView& o, const TermView* g) {
        check_limits();
        const TermId graph = g && !op.graph ? txn_->intern(own(*g)) : into;
        txn_->stage_insert({txn_->intern(own(s)), txn_->intern(own(p)), txn_->intern(own(o)), graph});
      });
    } catch (const Stopped&) {
      throw;
    } catch (const QueryError& e) {
      if (e.kind == QueryError::Kind::Timeout || e.kind == QueryError::Kind::Cancelled ||
          e.kind == QueryError::Kind::ResourceExhausted)
        throw;  // the request's time or memory, not the document
      if (op.silent) return;
      if (e.kind != QueryError::Kind::Invalid) throw;  // names the document already
      throw QueryError(std::string("LOAD <") + op.document + ">: " + e.what());
    } catch (const std::exception& e) {
      if (op.silent) return;
      throw QueryError(std::string("LOAD <") + op.document + ">: " + e.what());
    }
  }

  std::filesystem::path loadable_path(const std::string& iri) {
    if (options_.data_root.empty())
      throw QueryError(QueryError::Kind::Forbidden,
                       "LOAD is disabled: no data root is configured (give --data-root)");
    const bool file_scheme =
        iri.size() >= 5 && std::equal(iri.begin(), iri.begin() + 5,
                                      "file:", [](char a, char b) { return std::tolower(a) == b; });
    if (!file_scheme)
      throw QueryError(QueryError::Kind::Forbidden,
                       "LOAD reads file: IRIs only, and <" + iri +
                           "> is not one (a relative IRI is resolved against the request's base; write "
                           "<file:NAME> for a file under the data root)");
    const std::filesystem::path root = std::filesystem::weakly_canonical(options_.data_root);
    // file:///abs and file://localhost/abs name absolute paths; file:NAME (no authority) is relative to
    // the data root. %XX escapes stand for their bytes.
    const std::string rest = percent_decoded(std::string_view(iri).substr(5));
    std::filesystem::path path;
    if (rest.starts_with("//localhost/"))
      path = rest.substr(11);
    else if (rest.starts_with("///"))
      path = rest.substr(2);
    else if (rest.starts_with("//"))
      throw QueryError(QueryError::Kind::Forbidden,
                       "LOAD reads local files only, not files on host " + rest.substr(2));
    else
      path = root / rest;
    path = std::filesystem::weakly_canonical(path);
    auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
    if (r != root.end())
      throw QueryError(QueryError::Kind::Forbidden,
                       "LOAD reads files under the data root only, not " + path.string());
    if (!std::filesystem::is_regular_file(path))
      throw QueryError(QueryError::Kind::NotFound, "LOAD <" + iri + ">: no such file: " + path.string());
    return path;
  }

  static std::string percent_decoded(std::string_view text) {
    std::string out;
    const auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
        out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
        i += 2;
      } else {
        out.push_back(text[i]);
      }
    }
    return out;
  }

  void progress(const std::string& phase, uint64_t count) {
    if (options_.progress) options_.progress(phase, count);
  }

  void check_limits() {
    if (const StopReason r = stop_.reason(); r != StopReason::Running) throw stop_error(r, "the update");
    if (txn_->pending_bytes() > options_.memory_limit)
      throw QueryError(QueryError::Kind::ResourceExhausted,
                       "the update's pending changes passed its memory limit of " +
                           std::to_string(options_.memory_limit >> 20) + " MiB");
  }

  Store& store_;
  std::unique_ptr<Transaction> txn_;
  const UpdateOptions& options_;
  const Cancellation& stop_;
  std::string blank_prefix_;
  size_t operation_ = 0;  // operations as the user wrote them; numbers blank nodes apart
};

// The protocol's using-graph-uri and using-named-graph-uri, given to every operation that has a WHERE
// clause; the protocol forbids them beside an operation's own USING, USING NAMED or WITH.
void apply_protocol_dataset(Update& update, const UpdateOptions& options) {
  if (options.using_graphs.empty() && options.using_named_graphs.empty()) return;
  for (UpdateOperation& op : update.operations) {
    if (op.kind != Kind::Modify) continue;
    if (!op.using_graphs.empty() || !op.using_named.empty() || op.with)
      throw QueryError(
          "the request gives using-graph-uri or using-named-graph-uri, and the update its own USING, USING "
          "NAMED or WITH: give the dataset in one place");
    op.using_graphs = options.using_graphs;
    op.using_named = options.using_named_graphs;
  }
}

}  // namespace

UpdateReport run_update(Store& store, std::string_view text, const UpdateOptions& options) {
  // The timeout covers the whole request, parsing included.
  Cancellation own;
  Cancellation& stop = options.cancellation ? *options.cancellation : own;
  stop.limit(std::chrono::steady_clock::now() + options.timeout);
  Update update = parse_update(text, options.base_iri);  // all of it parses before anything runs
  apply_protocol_dataset(update, options);
  if (const StopReason r = stop.reason(); r != StopReason::Running) throw stop_error(r, "the update");
  try {
    UpdateRunner runner(store, options, stop);
    const auto& ops = update.operations;
    for (size_t i = 0; i < ops.size(); ++i) {
      runner.run(ops[i]);
      if (i + 1 == ops.size() || !ops[i + 1].continues_previous) runner.end_operation(i + 1 == ops.size());
    }
    return runner.commit();
  } catch (const Stopped& s) {  // thrown by the store's walks
    throw stop_error(s.reason, "the update");
  }
}

}  // namespace quiver::query
