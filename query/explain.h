// EXPLAIN: the physical plan (physical_plan.h), one operator per line, with the planner's estimated rows;
// after a run, the rows each operator produced (summed over its openings: a correlated pattern opens once
// per row), the time spent in its rows (its children's included) and the alternative it took.
#pragma once

#include <string>

#include "query/executor.h"

namespace quiver::query {

// The plan of `root` made by `ex`: as profiled, when Executor::enable_profiling() came before the run;
// else the plan alone, with its estimates.
std::string explain_plan(Executor& ex, const Node& root, const Variables& variables);

}  // namespace quiver::query
