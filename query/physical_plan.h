// The physical plan: the operator (query/operators/) the planner's rules choose for each node of the
// algebra, made before the query runs. Run-time choices that depend on the rows (rent or buy for a bind
// join, lookups in memory) are the operators' own; the shape of the plan is fixed here.
#pragma once

#include <memory>

#include "query/operators/operator.h"

namespace quiver::query {

// The operator for `node`, its operands planned through Executor::plan().
std::unique_ptr<Operator> make_operator(Executor& ex, const Node& node);

}  // namespace quiver::query
