// The join order of the whole query. Every group's operands (triple patterns, UNIONs, sub-SELECTs, VALUES,
// paths, GRAPH blocks, and the left sides of OPTIONAL, MINUS and BIND where the algebra allows moving the
// rest of the group into them) are ordered together by estimated cardinality given what the operands
// before them bind, and each FILTER is placed right after the operands that bind its variables.
#pragma once

#include "query/context.h"

namespace quiver::query {

// The pattern `root` rewritten into an equivalent one whose joins run in the planned order: a left-deep
// chain per group, in which consecutive triple patterns form one BGP and each operand after the first is
// evaluated with the bindings of those before it (the executor substitutes them, or hashes the operand).
NodePtr plan_join_order(QueryContext& ctx, const NodePtr& root);

}  // namespace quiver::query
