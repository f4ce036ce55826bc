// EXPLAIN: the plan a query ran with, one operator per line, with the planner's estimated rows and the rows
// each operator actually produced (summed over its openings: a correlated pattern opens once per row).
#pragma once

#include <string>

#include "query/executor.h"

namespace quiver::query {

// The plan under `root` as profiled by `ex` (Executor::enable_profiling() before the query ran).
std::string explain_plan(Executor& ex, const Node& root, const Variables& variables);

}  // namespace quiver::query
