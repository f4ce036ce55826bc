#include "query/explain.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "query/operators/operator.h"

namespace quiver::query {
namespace {

class PlanPrinter {
 public:
  PlanPrinter(const Executor& ex, const Variables& variables)
      : profiled_(ex.profiling()), names_(variables) {}

  void print(Operator& op, int depth) {
    if (!profiled_) op.plan_alternatives();
    line(depth, op.describe(names_), &op);
    for (const std::string& detail : op.details(names_)) line(depth + 1, detail, nullptr);
    for (const Operator::Child& child : profiled_ ? op.children_run() : op.children()) {
      if (child.role.empty()) {
        print(*child.op, depth + 1);
      } else {
        line(depth + 1, child.role, nullptr);
        print(*child.op, depth + 2);
      }
    }
  }

  std::string text() const { return out_.str(); }

 private:
  void line(int depth, const std::string& text, Operator* op) {
    std::string head = std::string(2 * depth, ' ') + text;
    out_ << head;
    if (op) {
      out_ << std::string(head.size() < 56 ? 56 - head.size() : 1, ' ');
      out_ << "est " << count(op->estimated_rows());
      if (!profiled_) out_ << "  cost " << count(op->estimated_cost());
      const Operator::Profile& p = op->profile();
      if (p.opens || p.rows || !p.how.empty()) {
        out_ << "  rows " << p.rows;
        if (p.opens > 1) out_ << " (opened " << p.opens << "x)";
        if (p.time.count()) out_ << "  " << milliseconds(p.time);
        if (!p.how.empty()) out_ << "  [" << p.how << "]";
      } else if (profiled_) {
        out_ << "  not run";
      }
    }
    out_ << "\n";
  }

  static std::string count(double n) {
    if (n >= 1e6)
      return std::to_string(static_cast<long long>(std::llround(n / 1e5)) / 10.0).substr(0, 5) + "M";
    return std::to_string(static_cast<long long>(std::llround(n)));
  }

  static std::string milliseconds(std::chrono::nanoseconds t) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", std::chrono::duration<double, std::milli>(t).count());
    return text;
  }

  bool profiled_;
  PlanNames names_;
  std::ostringstream out_;
};

}  // namespace

std::string explain_plan(Executor& ex, const Node& root, const Variables& variables) {
  PlanPrinter printer(ex, variables);
  printer.print(ex.plan(root), 0);
  return printer.text();
}

}  // namespace quiver::query
