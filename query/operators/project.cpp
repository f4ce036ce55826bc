// Projection: the selected variables kept, the others unbound.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class ProjectStream : public RowStream {
 public:
  ProjectStream(const Node& node, std::unique_ptr<RowStream> child, size_t width)
      : child_(std::move(child)), keep_(width, false) {
    for (VarId v : node.vars) keep_[v] = true;
  }
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    for (size_t v = 0; v < out.size(); ++v)
      if (!keep_[v]) out[v] = kUnbound;
    return true;
  }
  size_t next_batch(std::vector<TermId>& cells, size_t width) override {
    const size_t start = cells.size(), rows = child_->next_rows(cells, width);
    for (size_t at = start; at < cells.size(); at += width)
      for (size_t v = 0; v < width; ++v)
        if (!keep_[v]) cells[at + v] = kUnbound;
    return rows;
  }

 private:
  std::unique_ptr<RowStream> child_;
  std::vector<bool> keep_;
};

}  // namespace

std::unique_ptr<RowStream> project_rows(const Node& node, std::unique_ptr<RowStream> child, size_t width) {
  return std::make_unique<ProjectStream>(node, std::move(child), width);
}

std::string ProjectOperator::describe(const PlanNames& names) const {
  return "Project" + names.vars(node_.vars);
}

std::unique_ptr<RowStream> ProjectOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return project_rows(node_, ex_.open(*node_.left, input, graph), ex_.context().variables());
}

}  // namespace quiver::query
