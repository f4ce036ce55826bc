// Expression evaluation with SPARQL 1.1's rules: type promotion for numbers, errors as "no value" that
// propagate (|| and && and COALESCE/IF excepted), effective boolean values, and the ORDER BY order.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <unordered_map>

#include "query/context.h"
#include "query/decimal.h"
#include "query/regex.h"

namespace quiver::query {

class ExpressionEvaluator {
 public:
  // `exists` evaluates EXISTS patterns against a row (supplied by the executor).
  ExpressionEvaluator(QueryContext& ctx, std::function<bool(const Node&, const Row&)> exists)
      : ctx_(ctx), exists_(std::move(exists)) {}

  // The value, or nullopt for an error or an unbound variable.
  std::optional<Term> eval(const Expr& e, const Row& row);
  // Effective boolean value; nullopt is a type error.
  std::optional<bool> ebv(const Expr& e, const Row& row);
  // The expressions that follow belong to another solution: BNODE(str) gives new blank nodes.
  void new_solution() { solution_bnodes_.clear(); }

 private:
  // Evaluates the arguments, then applies the operator to their values.
  std::optional<Term> call(const Expr& e, const Row& row);
  std::optional<Term> apply(const Expr& e, std::vector<Term>& args);
  std::optional<Term> in_list(const Expr& e, const Row& row);
  // The id of a variable's value, of an inline constant or of integer arithmetic on such ids
  // (integer_arithmetic_id); kUnbound otherwise.
  TermId operand_id(const Expr& e, const Row& row);
  // The id of +, - or * on two inline integers, computed on the ids; kUnbound otherwise (an operand of
  // another kind, an overflow), when the general evaluation decides.
  TermId integer_arithmetic_id(const Expr& e, const Row& row);
  // A comparison decided on the two operands' ids; nullopt when the ids cannot tell.
  std::optional<bool> compare_ids(Op op, const Expr& a, const Expr& b, const Row& row);
  // REGEX `e`'s pattern compiled once, when its pattern and flags are constant strings (and valid): a
  // filter over every title then matches each row's term in place, without building its arguments.
  const Regex* constant_regex(const Expr& e);
  QueryContext& ctx_;
  std::unordered_map<const Expr*, TermId> constant_ids_;
  std::unordered_map<const Expr*, std::optional<Regex>> constant_regexes_;
  RegexCache regexes_;
  std::function<bool(const Node&, const Row&)> exists_;
  std::unordered_map<std::string, Term> solution_bnodes_;  // BNODE(str) within the current solution
};

std::optional<bool> effective_boolean(const Term& t);
// Whether ids of this id's tag order like their values (inline integers, decimals, dates, dateTimes,
// booleans), so two such ids of one tag compare without decoding.
bool ordered_by_id(TermId id);
// SPARQL's "=" on two terms: nullopt when they cannot be compared.
std::optional<bool> terms_equal(const Term& a, const Term& b);
// <0, 0, >0 in ORDER BY order (unbound first, then blank nodes, IRIs, literals).
int order_compare(const std::optional<Term>& a, const std::optional<Term>& b);

// One aggregate over one group.
class AggregateState {
 public:
  explicit AggregateState(const Expr& aggregate) : e_(aggregate) {}
  // `value` is the argument's value for one solution (nullopt: error/unbound); COUNT(*) passes any value.
  void add(const std::optional<Term>& value);
  std::optional<Term> result() const;
  // Bytes the state holds beyond its fixed size (GROUP_CONCAT's string, DISTINCT's values).
  size_t bytes() const { return concat_.capacity() + seen_bytes_; }

 private:
  const Expr& e_;
  std::set<std::string> seen_;  // for DISTINCT
  size_t seen_bytes_ = 0;
  uint64_t count_ = 0;
  bool error_ = false;
  std::optional<Term> acc_;  // MIN, MAX, SAMPLE
  // SUM and AVG: the widest numeric type added (in expression.cpp's order), the total, and the exact total
  // while every value added was an integer or a decimal. Kept as numbers, not as a literal read back per row.
  struct Total {
    int type = 0;
    long double approximate = 0;
    std::optional<Decimal> exact;
  };
  std::optional<Total> total_;
  std::string concat_;
  bool first_ = true;
};

}  // namespace quiver::query
