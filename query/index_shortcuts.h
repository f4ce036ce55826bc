// Answers read straight from an index's order, without making a row per match: the distinct objects of one
// pattern `?s <p> ?o` (skip-scanning POSG: one seek per distinct value), counts grouped by its object
// (counting runs of equal objects), and the first rows in the order of its object ("the ten latest...").
// All are common queries that otherwise walk every triple of the predicate.
#pragma once

#include <memory>
#include <optional>

#include "query/executor.h"

namespace quiver::query {

// The shapes the planner looks for (physical_plan.h); whether the shortcut is taken depends then on the
// input row and the active graph, known when the operator opens.
bool may_read_distinct_objects(const Node& distinct);
bool may_count_by_object(const Node& group);
// The patterns of ORDER BY `order`'s BGP that ordered_by_object() may read in order.
std::vector<size_t> patterns_in_object_order(const Node& order);

// DISTINCT over the projection of such a pattern onto its object, for a `distinct` that
// may_read_distinct_objects() accepts (the planner's rule); null when the input binds the pattern's
// variables or the active graph is not one graph.
std::unique_ptr<RowStream> distinct_objects(Executor& ex, const Node& distinct, const Row& input,
                                            std::optional<TermId> graph);

// ORDER BY one variable, under LIMIT, where a pattern `?s <p> ?v` of the BGP below binds it and the ids of
// p's objects order them (one inline type: dates, numbers): p's objects are read in that order (backwards
// for DESC), the rest of the BGP joined to each, so the LIMIT stops the scan. Null when `order` is not that
// shape.
std::unique_ptr<RowStream> ordered_by_object(Executor& ex, const Node& order, const Row& input,
                                             std::optional<TermId> graph);

// GROUP BY the object of such a pattern with only plain COUNTs, for a `group` that may_count_by_object()
// accepts (the planner's rule); nullopt when the input or the active graph rules it out.
std::optional<std::vector<Row>> counts_by_object(Executor& ex, const Node& group, const Row& input,
                                                 std::optional<TermId> graph);

}  // namespace quiver::query
