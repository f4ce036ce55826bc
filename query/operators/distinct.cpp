// DISTINCT: each row the first time it comes, the rows seen so far hashed (and charged to the query).
#include "query/operators/operators.h"

#include <unordered_set>

namespace quiver::query {
namespace {

class DistinctStream : public RowStream {
 public:
  DistinctStream(QueryContext& ctx, std::unique_ptr<RowStream> child) : ctx_(ctx), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (seen_.insert(out).second) {
        ctx_.charge_memory(ctx_.row_bytes());
        return true;
      }
    return false;
  }

 private:
  QueryContext& ctx_;
  std::unique_ptr<RowStream> child_;
  std::unordered_set<Row, RowHash> seen_;
};

}  // namespace

std::unique_ptr<RowStream> distinct_rows(QueryContext& ctx, std::unique_ptr<RowStream> child) {
  return std::make_unique<DistinctStream>(ctx, std::move(child));
}

}  // namespace quiver::query
