// quiver-query-bench: runs SPARQL query files against a store in process and prints, per query, the median
// wall time per run of warm samples and the number of result rows (and the value when the result is one
// number).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

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

// One sample: the query run back to back until `ms` have passed, and at least `min_runs` times while
// `max_ms` have not; the mean milliseconds per run. The Virtuoso side of bench/query_bench.sh samples the
// same way (its clock counts whole milliseconds), with the same uncounted warm-up: it asks for these
// figures (`quiver-query-bench --sampling`). The warm-up counts runs as well as time: caches that keep what
// repeated runs read (the scan cache's ranges, a server's buffers) fill by use, and a first run slowed by a
// cold page cache would otherwise be the only one. A slow query stops counting runs at the cap: it has warmed
// up by then.
constexpr double kSampleMs = 50, kWarmUpMs = 1000, kWarmUpMaxMs = 10000;
constexpr int kWarmUpRuns = 10;

double sample(quiver::Store& store, const std::string& query, CountingSink& last, double ms, int min_runs = 1,
              double max_ms = 0) {
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  int n = 0;
  while (elapsed < ms || (n < min_runs && elapsed < max_ms)) {
    CountingSink sink;
    quiver::query::run_query(store, query, {}, sink);
    last = sink;
    ++n;
    elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return elapsed / n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--sampling") {  // the warm-up's and a sample's figures
    std::printf("%g %d %g %g\n", kWarmUpMs, kWarmUpRuns, kWarmUpMaxMs, kSampleMs);
    return 0;
  }
  if (argc < 4) {
    std::fprintf(stderr,
                 "Usage: quiver-query-bench DB RUNS QUERY.rq...\n       quiver-query-bench --sampling\n");
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
    try {
      sample(*store, text.str(), last, kWarmUpMs, kWarmUpRuns, kWarmUpMaxMs);
      for (int r = 0; r < runs; ++r) times.push_back(sample(*store, text.str(), last, kSampleMs));
    } catch (const std::exception& e) {
      std::printf("%s error %s\n", argv[i], e.what());
      continue;
    }
    std::sort(times.begin(), times.end());
    std::printf("%s %.3f %zu %s\n", argv[i], times[times.size() / 2], last.rows,
                last.rows == 1 ? last.first.c_str() : "");
  }
  return 0;
}
