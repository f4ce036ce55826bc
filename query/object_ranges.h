// Range filters: the id intervals a FILTER's comparisons with inline constants leave to a variable. The
// planner estimates a pattern's matches in them; a scan reads only them.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "query/algebra.h"
#include "store/term_id.h"

namespace quiver::query {

// Id intervals per variable that hold every value a FILTER's range comparisons on it could accept: the
// constant's own type narrowed to the range, plus the values that may still compare true.
using ObjectRanges = std::map<VarId, std::vector<std::pair<TermId, TermId>>>;
ObjectRanges object_ranges(const std::vector<ExprPtr>& conjuncts);

}  // namespace quiver::query
