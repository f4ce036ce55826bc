#include "query/physical_plan.h"

#include "query/index_shortcuts.h"
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

// LIMIT over ORDER BY, with a DISTINCT and a projection between them or not.
bool limits_an_order(const Node& slice) {
  if (slice.limit < 0) return false;
  const Node* below = slice.left.get();
  if (below->kind == Node::Kind::Distinct) below = below->left.get();
  if (below->kind == Node::Kind::Project) below = below->left.get();
  return below->kind == Node::Kind::OrderBy;
}

}  // namespace

std::unique_ptr<Operator> make_operator(Executor& ex, const Node& node) {
  switch (node.kind) {
    case Node::Kind::Unit:
      return std::make_unique<UnitOperator>(ex, node);
    case Node::Kind::Bgp:
      return std::make_unique<BgpOperator>(ex, node);
    case Node::Kind::PathMatch:
      return std::make_unique<PathOperator>(ex, node);
    case Node::Kind::Values:
      return std::make_unique<ValuesOperator>(ex, node);
    case Node::Kind::TextSearch:
      return std::make_unique<TextSearchOperator>(ex, node);
    case Node::Kind::Join:
      return std::make_unique<JoinOperator>(ex, node);
    case Node::Kind::LeftJoin:
      return std::make_unique<OptionalOperator>(ex, node);
    case Node::Kind::Filter:
      return std::make_unique<FilterOperator>(ex, node);
    case Node::Kind::Union:
      return std::make_unique<UnionOperator>(ex, node);
    case Node::Kind::Minus:
      return std::make_unique<MinusOperator>(ex, node);
    case Node::Kind::Graph:
      return std::make_unique<GraphOperator>(ex, node);
    case Node::Kind::Extend:
      return std::make_unique<BindOperator>(ex, node);
    case Node::Kind::Group:
      return std::make_unique<GroupOperator>(ex, node, may_count_by_object(node));
    case Node::Kind::OrderBy:
      return std::make_unique<OrderByOperator>(ex, node);
    case Node::Kind::Project:
      return std::make_unique<ProjectOperator>(ex, node);
    case Node::Kind::Distinct:
      return std::make_unique<DistinctOperator>(ex, node, may_read_distinct_objects(node));
    case Node::Kind::Reduced:
      return std::make_unique<ReducedOperator>(ex, node);
    case Node::Kind::Slice:
      if (limits_an_order(node)) return std::make_unique<TopKOperator>(ex, node);
      return std::make_unique<SliceOperator>(ex, node);
  }
  throw QueryError("unknown algebra node");
}

}  // namespace quiver::query
