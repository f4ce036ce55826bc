// The physical operators the executor builds the algebra's nodes into, one per file in this folder. Each
// is a RowStream (query/executor.h) made by the function below; the executor (query/executor.cpp) chooses
// among them, passes them their input rows, and counts their rows for EXPLAIN.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "query/object_ranges.h"
#include "query/operators/row_streams.h"

namespace quiver::query {

// A BGP's solutions compatible with `input`, by nested index scans (bgp_scan); `ranges` narrows the object
// scans of the variables it names.
std::unique_ptr<RestartableScan> scan_bgp(Executor& ex, const Node& bgp, const Row& input,
                                          std::optional<TermId> graph, const ObjectRanges* ranges = nullptr);

// Join `join` over the rows of its left side: each row's matches in the right side (nested_join).
std::unique_ptr<RowStream> join_rows(Executor& ex, const Node& join, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph);
// For each row of `left`, the rows `right` opens with it (nested_join).
using RowOpener = std::function<std::unique_ptr<RowStream>(const Row&)>;
std::unique_ptr<RowStream> nested_join(std::unique_ptr<RowStream> left, RowOpener right);

// OPTIONAL `node` over the rows of its left side (left_join).
std::unique_ptr<RowStream> left_join(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph);

// The rows of `child` for which every condition of FILTER `node` holds (filter).
std::unique_ptr<RowStream> filter_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph);

// The rows of `first`, then those of `second()` (union).
std::unique_ptr<RowStream> concatenate(std::unique_ptr<RowStream> first,
                                       std::function<std::unique_ptr<RowStream>()> second);

// The rows of `left` that no row of `right` removes (minus).
std::unique_ptr<RowStream> minus_rows(std::unique_ptr<RowStream> left, MaterializedRows& right);

// The rows of `child` with BIND `node`'s variable set (extend).
std::unique_ptr<RowStream> extend_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph);

// The rows of `child` with only the variables of projection `node` (project).
std::unique_ptr<RowStream> project_rows(const Node& node, std::unique_ptr<RowStream> child, size_t width);

// The rows of `child` without repeats (distinct).
std::unique_ptr<RowStream> distinct_rows(QueryContext& ctx, std::unique_ptr<RowStream> child);

// The rows of `child` within slice `node`'s OFFSET and LIMIT (slice).
std::unique_ptr<RowStream> slice_rows(const Node& node, std::unique_ptr<RowStream> child);

// The solutions of path pattern `node` compatible with `input` (property_path).
std::vector<Row> path_rows(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph);

// The rows of `input` in ORDER BY `node`'s order; with `keep`, only the first `keep` of them; with
// `distinct_on`, only the first row of those equal on these variables (a DISTINCT projection after the
// sort, done before top-k drops rows) (order_by).
std::vector<Row> order_rows(Executor& ex, const Node& node, RowStream& input,
                            std::optional<size_t> keep = std::nullopt,
                            const std::vector<VarId>* distinct_on = nullptr);

// One row per group of GROUP BY `node` with its aggregates (group_by).
std::vector<Row> group_rows(Executor& ex, const Node& node, RowStream& input);

}  // namespace quiver::query
