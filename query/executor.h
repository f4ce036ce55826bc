// The executor: each algebra node's physical operator (physical_plan.h) opens into a stream of rows (ids per
// variable, kUnbound where unbound). Streams are pulled, so the first rows leave before the last are
// computed. The executor holds the plan and makes the choices of bind joins between operators.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <unordered_map>

#include "query/context.h"
#include "query/expression.h"
#include "query/object_ranges.h"

namespace quiver::query {

class RowStream {
 public:
  virtual ~RowStream() = default;
  // Writes the next solution to `out`; false at the end.
  virtual bool next(Row& out) = 0;
  // Appends some of the next solutions to `cells`, each `width` ids; how many, 0 at the end. For
  // consumers that keep every row. Rows of no variables (a query without any) take up no cells, so the
  // batches that count their rows by the cells they fill are not asked for them.
  size_t next_rows(std::vector<TermId>& cells, size_t width) {
    return width == 0 ? one_at_a_time(cells, width) : next_batch(cells, width);
  }

 protected:
  // next_rows() of rows of at least one variable: a stream with a faster way to produce many rows
  // overrides it.
  virtual size_t next_batch(std::vector<TermId>& cells, size_t width) { return one_at_a_time(cells, width); }
  // Some of the next rows, through next().
  size_t one_at_a_time(std::vector<TermId>& cells, size_t width);
};

// A BGP's scan that starts again with another input row, keeping its cursors and per-pattern state: a
// correlated pattern (EXISTS) opens once per row of the query around it.
class RestartableScan : public RowStream {
 public:
  // Starts again with `input`; false when `input` binds other variables than the scan was planned for.
  virtual bool restart(const Row& input) = 0;
  // Starts fetching what the first lookup of a restart with `input` reads: its lead's slot, or `deep`, once
  // that is at hand, the quads it points to (a FILTER issues this a few rows ahead).
  virtual void prefetch(std::span<const TermId> input, bool deep) const = 0;
};

// A pattern's solutions computed once, on their own, and hashed on the variables every one of them binds:
// a correlated operator (OPTIONAL, MINUS, EXISTS, a join) finds the rows compatible with its input row
// without re-running the pattern or scanning every row. Only the columns of the variables the pattern
// binds are kept: a query's other variables would be unbound in every row, and memory is most of the cost.
class MaterializedRows {
 public:
  // Drains `rows` (rows of the query's width) into one flat array of the columns of `columns` (the
  // variables the pattern can bind; one a row binds all the same gets a column too): no allocation per row.
  MaterializedRows(RowStream& rows, QueryContext& ctx, const std::vector<VarId>& columns);
  size_t size() const { return count_; }
  // Whether row `i` agrees with `probe` (a row of the query's width) on the variables both bind; `shared`,
  // when given, tells whether there are any.
  bool compatible_with(std::span<const TermId> probe, size_t i, bool* shared = nullptr) const;
  // Merges row `i` into `out` when they agree on shared variables; false when they conflict.
  bool merge_into(Row& out, size_t i) const;

  // The rows that may be compatible with a probe: those agreeing on the probe's bound variables that every
  // row binds (all rows when there are none).
  struct Candidates {
    std::span<const uint32_t> rows;
    // Whether every candidate is compatible with the probe and binds nothing the probe does not (the rows
    // bind only the one key variable), so that the probe's output is the probe itself, once per row.
    bool exact = false;
  };
  // `shared`, when given, tells whether the probe binds a variable every row binds.
  Candidates candidates(const Row& probe, bool* shared = nullptr);
  // Starts fetching the memory candidates() will read for `probe`, when it uses the same key variables as
  // the previous probe: a join issues this a few rows ahead so that the cache misses of its probes overlap.
  // First the key's slot; `deep`, once the slot is at hand, the candidates' rows.
  void prefetch(std::span<const TermId> probe, bool deep) const;
  // Whether prefetch() may save anything: not when the rows fit in the processor's caches.
  bool worth_prefetching() const { return cells_.size() * sizeof(TermId) > PredicateLookup::kCacheBytes; }

 private:
  // The distinct keys in an open-addressing table, each with its rows: rows[start .. start + count). A key
  // is the id of the key variable when the probe binds one, else the hash of the key variables' ids.
  struct Slot {
    uint64_t key;
    uint32_t start, count;
  };
  struct HashIndex {
    std::vector<Slot> slots;         // count 0: empty
    std::vector<uint32_t> rows;      // empty when clustered: the rows themselves are in key order
    std::vector<VarId> key_columns;  // where the key variables are in a kept row
    uint64_t mask = 0;
    bool exact = false;
    const Slot* find(uint64_t key) const;
  };
  // The key of the values at `positions` of `cells`: a probe's variables, or a kept row's key columns.
  static uint64_t key_of(std::span<const TermId> cells, const std::vector<VarId>& positions);
  std::span<const TermId> kept_row(size_t i) const { return {cells_.data() + i * width_, width_}; }
  // Appends a batch of `n` rows of the query's width, keeping their columns.
  void append(std::span<const TermId> rows, size_t n, size_t row_width, QueryContext& ctx);
  // Gives variable `v` a column, unbound in the rows kept so far.
  void add_column(VarId v);
  // With `cluster`, also puts the rows in the index's key order, so that a key's rows are one stretch of
  // memory: done for the first index, before any row index has been handed out.
  HashIndex build_index(const std::vector<VarId>& keys, bool cluster);
  // An exact index keeps no rows: any `count` row indexes stand for them, since its probes never read them.
  std::span<const uint32_t> rows_of(const HashIndex& index, const Slot& slot) const {
    if (index.exact) return std::span<const uint32_t>(all_).first(slot.count);
    return std::span<const uint32_t>(index.rows.empty() ? all_ : index.rows).subspan(slot.start, slot.count);
  }
  void bound_keys(const Row& probe, std::vector<VarId>& keys) const;

  std::vector<VarId> columns_;                   // the variable of each kept column
  std::vector<int> column_of_;                   // per variable of the query: its column, or -1
  size_t width_ = 0, count_ = 0;                 // columns, rows
  std::vector<TermId> cells_;                    // count_ rows of width_ ids
  std::vector<bool> always_bound_, ever_bound_;  // per column
  std::vector<VarId> always_bound_vars_;         // the variables of the columns always_bound_ marks
  std::vector<uint32_t> all_;
  std::map<std::vector<VarId>, HashIndex> indexes_;
  std::vector<VarId> keys_;       // scratch: the key variables of the current probe
  std::vector<VarId> last_keys_;  // those of the previous probe, usually the same
  const HashIndex* last_index_ = nullptr;
  bool probed_ = false;  // whether candidates() has handed out row indexes
};

// One triple pattern with a constant predicate, probed by its subject (or object) variable in the
// predicate's quads kept in memory (PredicateLookup). Hashing the pattern's rows is work every query does
// again; the predicate's lookup is made once per state of the store.
class PatternLookup {
 public:
  // The pattern's other two positions: a variable or a constant's id.
  struct Position {
    std::optional<VarId> var;
    TermId id = kUnbound;
  };
  PatternLookup(PredicateLookup quads, VarId lead, Position other, bool by_subject, TermId graph)
      : quads_(std::move(quads)), lead_(lead), other_(other), by_subject_(by_subject), graph_(graph) {}
  // Whether `probe` binds the lead variable.
  bool applies(std::span<const TermId> probe) const { return probe[lead_] != kUnbound; }
  VarId lead() const { return lead_; }
  // The quads that may match `probe`, which binds the lead variable.
  std::span<const Quad> candidates(std::span<const TermId> probe) { return quads_.find(probe[lead_]); }
  void prefetch(std::span<const TermId> probe, bool deep) const { quads_.prefetch(probe[lead_], deep); }
  bool worth_prefetching() const { return quads_.worth_prefetching(); }
  // Whether a candidate matches the pattern and agrees with `probe`.
  bool matches(const Quad& q, std::span<const TermId> probe) const;
  // Binds the pattern's variables in `out` (the probe row) from a candidate; false when it does not match.
  bool merge(const Quad& q, std::span<TermId> out) const;

 private:
  PredicateLookup quads_;
  VarId lead_;
  Position other_;
  bool by_subject_;
  TermId graph_;
};

// One probe of a right side evaluated once: its candidates for an input row, each merged with the row.
class Matches {
 public:
  Matches(MaterializedRows& rows, const Row& probe) : rows_(&rows), candidates_(rows.candidates(probe)) {}
  Matches(PatternLookup& lookup, const Row& probe) : lookup_(&lookup), quads_(lookup.candidates(probe)) {}
  // Sets `out` to `probe` merged with the next candidate compatible with it; false when none is left.
  bool next(const Row& probe, Row& out);
  // Whether any candidate is compatible with `probe` (EXISTS).
  bool any(const Row& probe) const;

 private:
  const MaterializedRows* rows_ = nullptr;
  MaterializedRows::Candidates candidates_;
  size_t next_ = 0;  // in candidates_.rows
  const PatternLookup* lookup_ = nullptr;
  std::span<const Quad> quads_;
};

class Operator;

// An operator as the right side of bind joins in one active graph: rent (substitute each input row) or buy
// (evaluate once and hash, or look up in a predicate's quads in memory); kept by the operator
// (Operator::correlated()), decided by Executor::probed().
struct Correlated {
  std::optional<MaterializedRows> rows;
  std::optional<PatternLookup> lookup;
  std::shared_ptr<RestartableScan> scan;  // an EXISTS pattern scanned per row (restarted_scan())
  bool lookup_asked = false;              // whether the store was asked for `lookup` without making it
  bool substitution_safe = false;         // of the node, once `rows` are made
  double probes = 0;                      // input rows substituted so far
  double expected = 0;  // input rows expected in all (the estimate of the operator's left side)
};

class Executor {
 public:
  explicit Executor(QueryContext& ctx);
  ~Executor();

  // The physical operator of `node`, made with those below it at the first ask (physical_plan.h). A query
  // plans its root before it runs; an operator driven on its own (as tests do) plans its operands then.
  Operator& plan(const Node& node);

  // Solutions of `node` merged with `input` (SPARQL Join semantics). An operator for which substituting the
  // input is equivalent receives it, until the number of input rows makes evaluating it once and hashing the
  // cheaper plan; the others always run alone, once per graph scope, and are merged.
  // `graph` is the active graph: nullopt for the default graph, else a named graph's id.
  std::unique_ptr<RowStream> open(const Node& node, const Row& input,
                                  std::optional<TermId> graph = std::nullopt);

  // Whether `node` has a solution compatible with `row` (EXISTS, by substitution).
  bool exists(const Node& node, const Row& row, std::optional<TermId> graph);

  ExpressionEvaluator& evaluator() { return evaluator_; }
  // Expressions evaluated in an active graph: EXISTS patterns inside them match in that graph.
  std::optional<bool> ebv(const Expr& e, const Row& row, std::optional<TermId> graph);
  std::optional<Term> eval(const Expr& e, const Row& row, std::optional<TermId> graph);
  // Whether every conjunct's effective boolean value is true (an error counts as false): a FILTER.
  bool holds(const std::vector<ExprPtr>& conjuncts, const Row& row, std::optional<TermId> graph);
  QueryContext& context() { return ctx_; }

  // Rows of `node` evaluated alone in `graph`, computed once.
  MaterializedRows& materialize(const Node& node, std::optional<TermId> graph);

  // `node`'s operator opened with `input`, without a bind join's choice.
  std::unique_ptr<RowStream> direct(const Node& node, const Row& input, std::optional<TermId> graph);
  // The rows of `node` compatible with `input`, found by probing `node` evaluated once, when open() would
  // do that rather than evaluate `node` with `input` substituted; nullopt otherwise. An operator that
  // probes them itself reports its output with count_row().
  std::optional<Matches> probed(const Node& node, const Row& input, std::optional<TermId> graph);
  // Starts fetching the memory the probes of `node` with two input rows will read, when `node` is hashed
  // or looked up already: what `far`'s probe reads first, and what that leads to for `near`, which had its
  // first fetch a few rows earlier (MaterializedRows::prefetch). An empty row is skipped.
  void prefetch_probes(const Node& node, std::optional<TermId> graph, std::span<const TermId> far,
                       std::span<const TermId> near);
  // The scan of EXISTS pattern `node` when it is scanned per row (restarted_scan()), so that a FILTER can
  // start its lookups a few rows ahead. Shared: a row binding other variables replaces it.
  std::shared_ptr<const RestartableScan> exists_scan(const Node& node, std::optional<TermId> graph);
  // Tells that about `rows` input rows are on their way to `node` (the estimate of the operator's left
  // side), so a pattern cheaper to evaluate once is materialized at the first probe.
  void expect_probes(const Node& node, std::optional<TermId> graph, double rows);
  // The same for the EXISTS patterns of `exprs`.
  void expect_exists_probes(const std::vector<ExprPtr>& exprs, double rows);

  // EXPLAIN: from now on, count every operator's output rows, openings and time, and note how each ran.
  void enable_profiling() { profiling_ = true; }
  bool profiling() const { return profiling_; }
  void count_row(const Node& node);
  void note(const Node& node, std::string how);
  double estimate(const Node& node);                    // of its operator
  double estimate(const Node& node, const Row& input);  // with the bindings of `input`
  // The BGP without its pattern `index` (Unit when none is left), made once.
  const Node& without_pattern(const Node& bgp, size_t index);

 private:
  // Rent or buy, for a node that substitution_safe() allows to run either way: nullopt (substitute) while
  // the probes still expected cost less than evaluating the node alone would, then its rows, evaluated
  // once; from the first probe a pattern whose predicate is in memory is looked up there.
  std::optional<Matches> probed_if_cheaper(Operator& op, const Node& node, const Row& input,
                                           std::optional<TermId> graph);
  // The node's PatternLookup for `input` when the node is one pattern that can be looked up by a variable
  // `input` binds, and the store has (or, with `make`, now makes) its predicate's quads in memory.
  PatternLookup* pattern_lookup(Operator& op, const Node& node, const Row& input, std::optional<TermId> graph,
                                bool make);
  // The scan of EXISTS pattern `node` (a BGP, or a FILTER over one) restarted with `row`, made at the first
  // row; null for other patterns, and when profiling (EXPLAIN counts each opening's operators).
  RestartableScan* restarted_scan(Operator& op, const Node& node, const Row& row,
                                  std::optional<TermId> graph);
  // Counts a probe of hashed rows as a lookup of their pattern's predicate, when they are one pattern's.
  void count_lookup(const Node& node, const Row& input);
  // Most probes, once a node is looked up: through that lookup, when `input` binds its lead, before any
  // other check.
  std::optional<Matches> through_chosen_lookup(Operator& op, Correlated& c, const Row& input);
  // Whether evaluating `node` with the bindings of `input` substituted gives the solutions of `input` joined
  // with those of `node` evaluated alone: for an OPTIONAL, MINUS, FILTER or BIND, when every variable their
  // right side or expression reads that `input` binds is bound by every solution of their left side (so the
  // input cannot change what they see); never for a sub-SELECT; always for the others, whose operands are
  // opened through open() (an operand that cannot take the input is evaluated alone and probed there).
  bool takes_input(Operator& op, const Row& input);
  // The rows of `op` evaluated alone, kept for probes (its Correlated::rows).
  MaterializedRows& evaluate_once(Operator& op, std::optional<TermId> graph);
  // EXPLAIN: notes how a probed node ran.
  void note_probed(Operator& op, const Correlated& c);

  QueryContext& ctx_;
  ExpressionEvaluator evaluator_;
  std::optional<TermId> active_graph_;                // of the expression being evaluated
  std::vector<std::unique_ptr<Operator>> operators_;  // the plan
  std::unordered_map<const Node*, Operator*> operator_of_;
  const Node* last_node_ = nullptr;  // plan() is asked once per probe: the last answer is kept at hand
  Operator* last_operator_ = nullptr;
  std::map<std::pair<const Node*, size_t>, NodePtr> reduced_bgps_;  // owns without_pattern()'s BGPs
  bool profiling_ = false;
  // Inside an EXISTS pattern, evaluated with its row substituted (SPARQL 1.1 section 18.6): the operators
  // that pass their input on see it at every depth, instead of running alone and being joined.
  int substituting_ = 0;
};

// Whether substituting an input row into `node` gives the same solutions as joining with it.
bool substitution_safe(const Node& node);
// Whether `node`, opened with an input row, hands the row on to the operators below it and keeps its
// bindings in every solution.
bool passes_input_on(const Node& node);

}  // namespace quiver::query
