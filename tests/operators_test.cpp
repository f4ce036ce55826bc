// The physical operators (query/operators/), each on its own over rows made here: what each keeps, drops,
// orders and binds, without the planner or the front end choosing for it.
#include <gtest/gtest.h>

#include <algorithm>

#include "query/executor.h"
#include "query/operators/operators.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

using query::kUnbound;
using query::Node;
using query::Row;
using query::RowStream;
using query::VarId;

constexpr size_t kWidth = 3;  // variables ?0 ?1 ?2

class OperatorsTest : public ::testing::Test {
 protected:
  OperatorsTest()
      : store_(Store::open(dir_ / "db")),
        view_(*store_),
        stop_(std::chrono::steady_clock::now() + std::chrono::minutes(1)),
        ctx_(view_, kWidth, stop_),
        ex_(ctx_) {}

  // A row of small integers per variable; 0 leaves it unbound.
  Row row(std::initializer_list<int> values) {
    Row r = ctx_.empty_row();
    size_t v = 0;
    for (int x : values) r[v++] = x ? ctx_.count_id(x) : kUnbound;
    return r;
  }
  std::unique_ptr<RowStream> rows(std::vector<Row> r) {
    return std::make_unique<query::OwnedRowsStream>(std::move(r));
  }
  // Everything `s` gives: row by row, in batches, or a first batch and then row by row.
  enum class Take { Rows, Batches, BatchThenRows };
  static std::vector<Row> drain(RowStream& s, Take take = Take::Rows) {
    std::vector<Row> out;
    std::vector<TermId> cells;
    if (take != Take::Rows)
      while (s.next_rows(cells, kWidth) > 0 && take == Take::Batches) {
      }
    for (size_t at = 0; at < cells.size(); at += kWidth)
      out.emplace_back(cells.begin() + at, cells.begin() + at + kWidth);
    for (Row r(kWidth); s.next(r);) out.push_back(r);
    return out;
  }
  static query::ExprPtr variable(VarId v) {
    auto e = std::make_shared<query::Expr>();
    e->op = query::Op::Variable;
    e->var = v;
    return e;
  }
  static query::ExprPtr constant(Term t) {
    auto e = std::make_shared<query::Expr>();
    e->constant = std::move(t);
    return e;
  }
  static query::ExprPtr call(query::Op op, std::vector<query::ExprPtr> args) {
    auto e = std::make_shared<query::Expr>();
    e->op = op;
    e->args = std::move(args);
    return e;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  ReadView view_;
  Cancellation stop_;
  query::QueryContext ctx_;
  query::Executor ex_;
};

TEST_F(OperatorsTest, DistinctKeepsTheFirstOfEqualRowsInOrder) {
  auto s = query::distinct_rows(ctx_, rows({row({1, 2}), row({1}), row({1, 2}), row({2}), row({1})}));
  EXPECT_EQ(drain(*s), (std::vector<Row>{row({1, 2}), row({1}), row({2})}));
}

TEST_F(OperatorsTest, SliceSkipsTheOffsetAndStopsAtTheLimit) {
  Node slice;
  slice.kind = Node::Kind::Slice;
  slice.offset = 1;
  slice.limit = 2;
  auto s = query::slice_rows(slice, rows({row({1}), row({2}), row({3}), row({4})}));
  EXPECT_EQ(drain(*s), (std::vector<Row>{row({2}), row({3})}));
}

TEST_F(OperatorsTest, ProjectUnbindsTheOtherVariablesRowByRowAndInBatches) {
  Node project;
  project.kind = Node::Kind::Project;
  project.vars = {0, 2};
  for (Take take : {Take::Rows, Take::Batches}) {
    auto s = query::project_rows(project, rows({row({1, 2, 3}), row({4, 5})}), kWidth);
    EXPECT_EQ(drain(*s, take), (std::vector<Row>{row({1, 0, 3}), row({4})}));
  }
}

TEST_F(OperatorsTest, OrderByKeepsTiesInInputOrderAndTopKIsTheSortsFirstRows) {
  Node order;
  order.kind = Node::Kind::OrderBy;
  order.order = {{variable(0), true}};  // DESC(?0)
  const std::vector<Row> input = {row({1, 1}), row({3, 1}), row({2, 1}),
                                  row({3, 2}), row({1, 2}), row({0, 9})};
  auto all = rows(input);
  const std::vector<Row> sorted = query::order_rows(ex_, order, *all);
  // Unbound sorts first, so last in DESC; equal keys keep their input order.
  EXPECT_EQ(sorted,
            (std::vector<Row>{row({3, 1}), row({3, 2}), row({2, 1}), row({1, 1}), row({1, 2}), row({0, 9})}));
  auto some = rows(input);
  EXPECT_EQ(query::order_rows(ex_, order, *some, 3), std::vector<Row>(sorted.begin(), sorted.begin() + 3));
  // Distinct on ?1: each value's first row in the order.
  const std::vector<VarId> on = {1};
  auto distinct = rows(input);
  EXPECT_EQ(query::order_rows(ex_, order, *distinct, 2, &on), (std::vector<Row>{row({3, 1}), row({3, 2})}));
}

TEST_F(OperatorsTest, MinusRemovesCompatibleRowsThatShareAVariable) {
  auto right = rows({row({1, 5}), row({0, 0, 7})});
  query::MaterializedRows hashed(*right, ctx_, {0, 1, 2});
  // {1,5} removes rows agreeing on ?0 and ?1; {?2=7} shares no variable with rows binding only ?0, ?1.
  auto s = query::minus_rows(rows({row({1, 5}), row({1, 6}), row({2}), row({1})}), hashed);
  EXPECT_EQ(drain(*s), (std::vector<Row>{row({1, 6}), row({2})}));
}

TEST_F(OperatorsTest, UnionGivesTheFirstRowsThenOpensTheSecond) {
  bool opened = false;
  auto s = query::concatenate(rows({row({1})}), [&] {
    opened = true;
    return rows({row({2})});
  });
  Row r(kWidth);
  ASSERT_TRUE(s->next(r));
  EXPECT_FALSE(opened);
  EXPECT_EQ(drain(*s), std::vector<Row>{row({2})});
}

TEST_F(OperatorsTest, FilterKeepsTheRowsWhoseConditionsHoldRowByRowAndInBatches) {
  Node filter;
  filter.kind = Node::Kind::Filter;
  filter.exprs = {call(query::Op::Bound, {variable(1)})};
  for (Take take : {Take::Rows, Take::Batches}) {
    auto s = query::filter_rows(ex_, filter, rows({row({1, 2}), row({2}), row({3, 4})}), std::nullopt);
    EXPECT_EQ(drain(*s, take), (std::vector<Row>{row({1, 2}), row({3, 4})}));
  }
}

TEST_F(OperatorsTest, ExtendBindsItsVariableAndLeavesItUnboundOnAnError) {
  Node extend;
  extend.kind = Node::Kind::Extend;
  extend.left = std::make_shared<Node>();  // the operator asks whether its child is a BIND too
  extend.var = 2;
  extend.expr = call(query::Op::Add, {variable(0), variable(1)});
  auto s = query::extend_rows(ex_, extend, rows({row({1, 2}), row({5})}), std::nullopt);
  EXPECT_EQ(drain(*s), (std::vector<Row>{row({1, 2, 3}), row({5})}));
}

TEST_F(OperatorsTest, GroupByCountsEachKeysRowsAndBoundValues) {
  Node group;
  group.kind = Node::Kind::Group;
  group.group_keys = {{0, variable(0)}};
  auto count = call(query::Op::Count, {variable(1)});
  group.aggregates = {{2, count}};  // COUNT(?1) AS ?2
  auto input = rows({row({1, 7}), row({2, 7}), row({1}), row({1, 8})});
  EXPECT_EQ(query::group_rows(ex_, group, *input), (std::vector<Row>{row({1, 0, 2}), row({2, 0, 1})}));
}

TEST_F(OperatorsTest, JoinAndOptionalMergeEachLeftRowWithItsCompatibleRightRows) {
  // Right side: VALUES (?0 ?1) { (1 10) (1 11) (3 30) }.
  auto values = std::make_shared<Node>();
  values->kind = Node::Kind::Values;
  values->vars = {0, 1};
  for (auto [a, b] : {std::pair{1, 10}, {1, 11}, {3, 30}})
    values->rows.push_back(
        {Term::typed(std::to_string(a), xsd::kInteger), Term::typed(std::to_string(b), xsd::kInteger)});
  Node join;
  join.kind = Node::Kind::Join;
  join.left = std::make_shared<Node>();
  join.right = values;
  Node optional = join;
  optional.kind = Node::Kind::LeftJoin;
  Node conditional = optional;  // OPTIONAL { ... FILTER(?1 != 11) }
  conditional.exprs = {call(query::Op::NotEqual, {variable(1), constant(Term::typed("11", xsd::kInteger))})};
  auto left = [&] { return rows({row({1}), row({2}), row({3})}); };
  for (Take take : {Take::Rows, Take::Batches, Take::BatchThenRows}) {
    SCOPED_TRACE(static_cast<int>(take));
    EXPECT_EQ(drain(*query::join_rows(ex_, join, left(), std::nullopt), take),
              (std::vector<Row>{row({1, 10}), row({1, 11}), row({3, 30})}));
    EXPECT_EQ(drain(*query::left_join(ex_, optional, left(), std::nullopt), take),
              (std::vector<Row>{row({1, 10}), row({1, 11}), row({2}), row({3, 30})}));
    EXPECT_EQ(drain(*query::left_join(ex_, conditional, left(), std::nullopt), take),
              (std::vector<Row>{row({1, 10}), row({2}), row({3, 30})}));
  }
}

TEST_F(OperatorsTest, JoinsTakenInABatchThenRowByRowGiveEveryRowOnce) {
  // 1,000 left rows times VALUES (?1) { (10) (11) }: more rows than one batch.
  auto values = std::make_shared<Node>();
  values->kind = Node::Kind::Values;
  values->vars = {1};
  for (int b : {10, 11}) values->rows.push_back({Term::typed(std::to_string(b), xsd::kInteger)});
  std::vector<Row> left, expected;
  for (int i = 1; i <= 1000; ++i) {
    left.push_back(row({i}));
    for (int b : {10, 11}) expected.push_back(row({i, b}));
  }
  for (Node::Kind kind : {Node::Kind::Join, Node::Kind::LeftJoin}) {
    Node join;
    join.kind = kind;
    join.left = std::make_shared<Node>();
    join.right = values;
    auto s = kind == Node::Kind::Join ? query::join_rows(ex_, join, rows(left), std::nullopt)
                                      : query::left_join(ex_, join, rows(left), std::nullopt);
    std::vector<Row> got = drain(*s, Take::BatchThenRows);
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected) << static_cast<int>(kind);
  }
}

TEST_F(OperatorsTest, NestedJoinOpensTheRightSideWithEachLeftRow) {
  auto s = query::nested_join(rows({row({1}), row({2}), row({3})}), [&](const Row& left) {
    std::vector<Row> out;
    for (int k = 0; k < static_cast<int>(integer_value(left[0]).value_or(0)) - 1; ++k) {
      Row r = left;
      r[1] = ctx_.count_id(10 + k);
      out.push_back(r);
    }
    return rows(std::move(out));
  });
  EXPECT_EQ(drain(*s), (std::vector<Row>{row({2, 10}), row({3, 10}), row({3, 11})}));
}

}  // namespace
}  // namespace quiver::testing
