// quiver-query-bench: runs SPARQL query files against a store in process and prints, per query, the median
// wall time of warm runs and the number of result rows (and the value when the result is one number).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "query/query.h"

namespace {

class CountingSink : public quiver::query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override {}
  void start_graph() override {}
  void solution(const std::vector<std::optional<quiver::Term>>& values) override {
    ++rows;
    first = values.size() != 1 || !values[0] ? "" : values[0]->value;  // a single number is compared too
  }
  void boolean(bool) override { ++rows; }
  void triple(const quiver::Term&, const quiver::Term&, const quiver::Term&) override { ++rows; }
  void finish() override {}
  size_t rows = 0;
  std::string first;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "Usage: quiver-query-bench DB RUNS QUERY.rq...\n");
    return 2;
  }
  quiver::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;  // as `quiver query` opens it
  auto store = quiver::Store::open(argv[1], options);
  const int runs = std::max(1, std::atoi(argv[2]));
  for (int i = 3; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<double> times;
    CountingSink last;
    for (int r = 0; r <= runs; ++r) {  // run 0 warms the caches and is not counted
      CountingSink sink;
      auto start = std::chrono::steady_clock::now();
      try {
        quiver::query::run_query(*store, text.str(), {}, sink);
      } catch (const std::exception& e) {
        std::printf("%s error %s\n", argv[i], e.what());
        break;
      }
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (r > 0) times.push_back(ms);
      last = sink;
    }
    if (times.empty()) continue;
    std::sort(times.begin(), times.end());
    std::printf("%s %.3f %zu %s\n", argv[i], times[times.size() / 2], last.rows,
                last.rows == 1 ? last.first.c_str() : "");
  }
  return 0;
}
