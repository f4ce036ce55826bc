// A BGP looked up in memory for a batch of left rows at a time (batched_bind_join.h).
#include "query/operators/batched_bind_join.h"

#include <algorithm>

#include "query/operators/operators.h"
#include "query/planner.h"

namespace quiver::query {

std::unique_ptr<BatchedBindJoin> BatchedBindJoin::make(Executor& ex, const Node& bgp,
                                                       std::span<const TermId> first,
                                                       std::optional<TermId> graph, double left_rows) {
  QueryContext& ctx = ex.context();
  const std::optional<TermId> g = ctx.single_graph(graph);
  if (bgp.kind != Node::Kind::Bgp || !g) return nullptr;
  const bool make = left_rows * kProbeCost >= ex.estimate(bgp) * kMaterializedRowCost;
  const Row row(first.begin(), first.end());
  std::vector<bool> bound(row.size());
  for (size_t v = 0; v < row.size(); ++v) bound[v] = row[v] != kUnbound;
  auto lookups = lookups_in_memory(ctx, scan_plan(ex, bgp, row, nullptr).order, bound, *g, make);
  if (!lookups) return nullptr;
  std::vector<VarId> left_leads;
  for (const PatternLookup& l : *lookups)
    if (bound[l.lead()]) left_leads.push_back(l.lead());
  return std::unique_ptr<BatchedBindJoin>(
      new BatchedBindJoin(std::move(*lookups), std::move(left_leads), row.size()));
}

BatchedBindJoin::BatchedBindJoin(std::vector<PatternLookup> lookups, std::vector<VarId> left_leads,
                                 size_t width)
    : left_leads_(std::move(left_leads)),
      chain_(std::move(lookups), width + 1, [this](std::vector<TermId>& in) {
        in = std::move(feed_);
        feed_.clear();
        return !in.empty();
      }) {}

void BatchedBindJoin::start(std::span<const TermId> left, size_t width,
                            const std::function<bool(const TermId*)>& takes, std::vector<bool>& fed) {
  const size_t n = left.size() / width;
  fed.assign(n, false);
  feed_.clear();
  for (size_t i = 0; i < n; ++i) {
    const TermId* row = left.data() + i * width;
    if (!takes(row) ||
        std::any_of(left_leads_.begin(), left_leads_.end(), [&](VarId v) { return row[v] == kUnbound; }))
      continue;
    feed_.insert(feed_.end(), row, row + width);
    feed_.push_back(i);
    fed[i] = true;
  }
  chain_.reset();
}

}  // namespace quiver::query
