// FILTER: the rows whose conditions all hold, a batch at a time where the child gives batches.
#include "query/operators/batched_bind_join.h"
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

// The pattern an EXISTS condition tests, and whether the condition asks for a match (EXISTS) or for none
// (NOT EXISTS, or EXISTS under `!`).
struct ExistsTest {
  const Node* pattern;
  bool wanted;
};
std::optional<ExistsTest> exists_test(const Expr& e) {
  if (e.op == Op::Exists || e.op == Op::NotExists) return ExistsTest{e.pattern.get(), e.op == Op::Exists};
  if (e.op == Op::Not && e.args.size() == 1)
    if (auto inner = exists_test(*e.args[0])) return ExistsTest{inner->pattern, !inner->wanted};
  return std::nullopt;
}

class FilterStream : public RowStream {
 public:
  FilterStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph)
      : ex_(ex), node_(node), graph_(graph), child_(std::move(child)), others_(node.exprs) {}
  bool next(Row& out) override {
    while (child_->next(out)) {
      ex_.context().check_deadline();
      if (ex_.holds(node_.exprs, out, graph_)) return true;
    }
    return false;
  }
  // The child's batch, with the rows that fail the filter taken out in place. An EXISTS condition whose
  // pattern can be looked up in memory is answered for the whole batch at once (answer()); the
  // lookups of the other EXISTS patterns are started a few rows ahead, so that their cache misses overlap.
  size_t next_batch(std::vector<TermId>& cells, size_t width) override {
    constexpr size_t kAhead = 8;  // rows between a lookup's prefetch and the lookup
    const size_t start = cells.size();
    while (size_t n = child_->next_rows(cells, width)) {
      const size_t end = start + n * width;
      const auto batch = std::span<const TermId>(cells).subspan(start, n * width);
      if (!batching_decided_) decide_batching(batch.first(width));
      for (BatchedExists& b : batched_) answer(b, batch, width);
      scans_.clear();
      for (const Node* pattern : exists_patterns_)
        if (auto scan = ex_.exists_scan(*pattern, graph_)) scans_.push_back(std::move(scan));
      size_t kept = start;
      for (size_t from = start, i = 0; from < end; from += width, ++i) {
        auto ahead = [&](size_t rows) { return row_ahead(cells, from, rows, width, end); };
        for (const auto& scan : scans_) {
          if (const auto far = ahead(kAhead); !far.empty()) scan->prefetch(far, false);
          if (const auto near = ahead(kAhead / 2); !near.empty()) scan->prefetch(near, true);
        }
        ex_.context().check_deadline();  // a batch can be a whole predicate's rows, each a REGEX
        row_.assign(cells.begin() + from, cells.begin() + from + width);
        if (!batched_hold(i) || !ex_.holds(others_, row_, graph_)) continue;
        std::copy(row_.begin(), row_.end(), cells.begin() + kept);
        kept += width;
      }
      cells.resize(kept);
      if (kept > start) return (kept - start) / width;
    }
    return 0;
  }

 private:
  // An EXISTS or NOT EXISTS condition whose pattern, a BGP or a FILTER over one, is joined with a batch of
  // rows at a time (BatchedBindJoin): the rows it takes are answered by whether any joined row passes the
  // pattern's FILTER; the others are evaluated on their own.
  struct BatchedExists {
    const Expr* condition;
    bool wanted;                                 // whether the condition asks for a match
    const Node* bgp;                             // the pattern's BGP, whose joined rows EXPLAIN counts
    const std::vector<ExprPtr>* pattern_filter;  // empty when the pattern is a BGP
    std::unique_ptr<BatchedBindJoin> join;
    std::vector<bool> fed;
    std::vector<bool> found;  // per row of the batch
  };

  // Chooses, at the first batch, the conditions answered a batch at a time. A pattern whose FILTER holds an
  // EXISTS of its own is left to the row-at-a-time path, which substitutes the row at every depth.
  void decide_batching(std::span<const TermId> first) {
    batching_decided_ = true;
    others_.clear();
    for (const ExprPtr& e : node_.exprs) {
      const auto test = exists_test(*e);
      if (auto join = test ? batched_join(*test->pattern, first) : nullptr) {
        const Node& p = *test->pattern;
        const bool filtered = p.kind == Node::Kind::Filter;
        static const std::vector<ExprPtr> kNone;
        batched_.push_back({e.get(),
                            test->wanted,
                            filtered ? p.left.get() : &p,
                            filtered ? &p.exprs : &kNone,
                            std::move(join),
                            {},
                            {}});
        ex_.note(p, "looked up in memory for a batch of rows at a time");
      } else {
        others_.push_back(e);
        collect_exists_patterns(*e);
      }
    }
  }
  std::unique_ptr<BatchedBindJoin> batched_join(const Node& p, std::span<const TermId> first) {
    const Node& bgp = p.kind == Node::Kind::Filter ? *p.left : p;
    if (p.kind == Node::Kind::Filter)
      for (const ExprPtr& f : p.exprs)
        if (holds_exists(*f)) return nullptr;
    return BatchedBindJoin::make(ex_, bgp, first, graph_, ex_.estimate(*node_.left));
  }
  static bool holds_exists(const Expr& e) {
    if (e.pattern) return true;
    return std::any_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return holds_exists(*a); });
  }
  void answer(BatchedExists& b, std::span<const TermId> batch, size_t width) {
    b.join->start(
        batch, width, [](const TermId*) { return true; }, b.fed);
    b.found.assign(b.fed.size(), false);
    const size_t wide = width + 1;
    for (;;) {
      joined_.clear();
      const size_t got = b.join->append(joined_, LookupChain::kBatchRows);
      if (got == 0) break;
      ex_.context().check_deadline();
      for (size_t o = 0; o < got * wide; o += wide) {
        ex_.count_row(*b.bgp);
        const size_t origin = joined_[o + width];
        if (b.found[origin]) continue;
        out_.assign(joined_.begin() + static_cast<ptrdiff_t>(o),
                    joined_.begin() + static_cast<ptrdiff_t>(o + width));
        b.found[origin] = ex_.holds(*b.pattern_filter, out_, graph_);
      }
    }
  }
  // Whether row `i` of the batch, in row_, passes the conditions answered for the batch.
  bool batched_hold(size_t i) {
    for (const BatchedExists& b : batched_) {
      if (b.fed[i]) {
        if (b.found[i] != b.wanted) return false;
      } else if (auto holds = ex_.ebv(*b.condition, row_, graph_); !holds || !*holds) {
        return false;
      }
    }
    return true;
  }
  void collect_exists_patterns(const Expr& e) {
    if (e.pattern) exists_patterns_.push_back(e.pattern.get());
    for (const auto& a : e.args) collect_exists_patterns(*a);
  }

  Executor& ex_;
  const Node& node_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> child_;
  Row row_, out_;
  std::vector<ExprPtr> others_;  // the conditions evaluated row by row
  std::vector<BatchedExists> batched_;
  bool batching_decided_ = false;
  std::vector<TermId> joined_;
  std::vector<const Node*>
      exists_patterns_;  // of the conditions in others_, not those nested in the patterns
  std::vector<std::shared_ptr<const RestartableScan>> scans_;  // those scanned per row, for this batch
};

}  // namespace

std::unique_ptr<RowStream> filter_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph) {
  return std::make_unique<FilterStream>(ex, node, std::move(child), graph);
}

FilterOperator::FilterOperator(Executor& ex, const Node& node) : Operator(ex, node) {
  add_operands();
  if (node.left->kind == Node::Kind::Bgp) ranges_ = object_ranges(node.exprs);
}

std::string FilterOperator::describe(const PlanNames&) const {
  std::string s = "Filter (" + std::to_string(node_.exprs.size()) + " conditions)";
  if (!ranges_.empty()) s += ", its ranges narrowing the scans";
  return s;
}

const ObjectRanges* FilterOperator::scan_ranges() const {
  return &ranges_;
}

std::unique_ptr<RowStream> FilterOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  ex_.expect_exists_probes(node_.exprs, ex_.estimate(*node_.left));
  if (!ranges_.empty()) {
    Operator& bgp = ex_.plan(*node_.left);
    return filter_rows(ex_, node_, bgp.counted(scan_bgp(ex_, *node_.left, input, graph, &ranges_)), graph);
  }
  return filter_rows(ex_, node_, ex_.open(*node_.left, input, graph), graph);
}

}  // namespace quiver::query
