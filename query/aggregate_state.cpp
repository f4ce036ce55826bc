// One aggregate's state over one group: COUNT, SUM, AVG, MIN, MAX, SAMPLE and GROUP_CONCAT, DISTINCT or not.
#include <algorithm>
#include <cstdlib>

#include "query/expression.h"
#include "query/functions/values.h"

namespace quiver::query {

using namespace functions;

void AggregateState::add(const std::optional<Term>& value) {
  if (e_.args.empty()) {  // COUNT(*): every solution counts
    ++count_;
    return;
  }
  if (!value) {
    if (e_.op != Op::Count && e_.op != Op::Sample && e_.op != Op::GroupConcat) error_ = true;
    if (e_.op == Op::GroupConcat) error_ = true;
    return;
  }
  if (e_.distinct) {
    std::string key = identity_key(*value);
    const size_t size = key.size();
    if (!seen_.insert(std::move(key)).second) return;
    seen_bytes_ += size + 64;  // and the set's node
  }
  ++count_;
  switch (e_.op) {
    case Op::Sum:
    case Op::Avg: {
      auto n = number(*value);
      if (!n) {
        error_ = true;
        return;
      }
      if (!total_) {
        total_ = Total{static_cast<int>(n->type), n->value, n->exact};
        return;
      }
      total_->type = std::max(total_->type, static_cast<int>(n->type));
      if (total_->exact && n->exact) {
        total_->exact = *total_->exact + *n->exact;
      } else {
        if (total_->exact) {  // from here on approximate, starting from the exact total so far
          total_->approximate = std::strtold(total_->exact->decimal_text().c_str(), nullptr);
          total_->exact.reset();
        }
        total_->approximate += n->value;
      }
      return;
    }
    case Op::Min:
    case Op::Max: {
      if (!acc_) {
        acc_ = value;
        return;
      }
      int c = order_compare(value, acc_);
      if ((e_.op == Op::Min && c < 0) || (e_.op == Op::Max && c > 0)) acc_ = value;
      return;
    }
    case Op::Sample:
      if (!acc_) acc_ = value;
      return;
    case Op::GroupConcat:
      if (!is_string_like(*value)) {
        error_ = true;
        return;
      }
      if (!first_) concat_ += e_.separator;
      concat_ += value->value;
      first_ = false;
      return;
    default:
      return;
  }
}

std::optional<Term> AggregateState::result() const {
  switch (e_.op) {
    case Op::Count:
      return make_number(NumType::Integer, count_);
    case Op::Sum:
      if (error_) return std::nullopt;
      if (!total_) return make_number(NumType::Integer, 0);
      return make_number(static_cast<NumType>(total_->type), total_->approximate, total_->exact);
    case Op::Avg: {
      if (error_) return std::nullopt;
      if (!total_ || count_ == 0) return make_number(NumType::Integer, 0);
      if (total_->exact) return make_exact(NumType::Decimal, *total_->exact->divided_by(Decimal(count_)));
      return make_number(std::max(static_cast<NumType>(total_->type), NumType::Decimal),
                         total_->approximate / count_);
    }
    case Op::Min:
    case Op::Max:
      if (error_) return std::nullopt;
      return acc_;
    case Op::Sample:
      return acc_;
    case Op::GroupConcat:
      if (error_) return std::nullopt;
      return Term::literal(concat_);
    default:
      return std::nullopt;
  }
}

}  // namespace quiver::query
