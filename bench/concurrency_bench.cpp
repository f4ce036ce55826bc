// quiver-concurrency-bench: query throughput of one process as the number of query threads grows. Each thread
// runs queries of one shape on random subjects of the store, back to back, for a fixed time; the table gives
// queries/s, latency percentiles and the speed-up over the first thread count (one, by default), per shape
// and thread count.
//   quiver-concurrency-bench STORE [SECONDS_PER_CELL] [THREAD_COUNTS, e.g. 1,2,4,16] [SHAPE]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "query/query.h"

namespace {

using Clock = std::chrono::steady_clock;

using quiver::query::CountingSink;

// The shapes users send many of at once: a point query (what the HTTP benchmark's clients ask), a hop to the
// subject's neighbours and their types, and an aggregate over the neighbours.
struct Shape {
  const char* name;
  const char* text;  // %s: the subject's IRI
};
constexpr Shape kShapes[] = {
    {"point", "SELECT ?p ?o WHERE { <%s> ?p ?o }"},
    {"hop-and-type", "SELECT ?p ?o ?t WHERE { <%s> ?p ?o . OPTIONAL { ?o a ?t } }"},
    {"count-neighbours", "SELECT ?p (COUNT(?x) AS ?n) WHERE { <%s> ?p ?o . ?x ?q ?o } GROUP BY ?p"},
};

std::vector<std::string> sample_subjects(const quiver::Store& store, size_t n) {
  struct Collect : CountingSink {
    std::vector<std::string> iris;
    void solution(const std::vector<std::optional<quiver::Term>>& v) override {
      if (v[0] && v[0]->kind == quiver::TermKind::Iri) iris.push_back(v[0]->value);
    }
  } sink;
  quiver::query::run_query(store, "SELECT DISTINCT ?s WHERE { ?s a ?c } LIMIT 200000", {}, sink);
  std::mt19937_64 random(42);
  std::shuffle(sink.iris.begin(), sink.iris.end(), random);
  sink.iris.resize(std::min(n, sink.iris.size()));
  return sink.iris;
}

struct Cell {
  double queries_per_second, p50_ms, p99_ms;
};

Cell measure(const quiver::Store& store, const Shape& shape, const std::vector<std::string>& subjects,
             int threads, double seconds) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<bool> stop = false;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      std::mt19937_64 random(t);
      std::vector<char> text(4096);
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string& s = subjects[random() % subjects.size()];
        std::snprintf(text.data(), text.size(), shape.text, s.c_str());
        const auto start = Clock::now();
        CountingSink sink;
        quiver::query::run_query(store, text.data(), {}, sink);
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto at = [&](double q) { return all.empty() ? 0 : all[std::min(all.size() - 1, size_t(q * all.size()))]; };
  return {all.size() / seconds, at(0.5), at(0.99)};
}

std::vector<int> parse_counts(const std::string& list) {
  std::vector<int> counts;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) counts.push_back(std::stoi(item));
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STORE [SECONDS_PER_CELL] [THREAD_COUNTS] [SHAPE]\n", argv[0]);
    return 2;
  }
  try {
    const double seconds = argc > 2 ? std::stod(argv[2]) : 5;
    const std::vector<int> counts = parse_counts(argc > 3 ? argv[3] : "1,2,4,16");
    auto store = quiver::Store::open(argv[1], {.create_if_missing = false, .read_only = true});
    const auto subjects = sample_subjects(*store, 10000);
    if (subjects.empty()) throw std::runtime_error("the store has no typed subjects to query");
    std::printf("%-18s %7s %10s %9s %9s %8s\n", "shape", "threads", "queries/s", "p50 ms", "p99 ms",
                "speed-up");
    for (const Shape& shape : kShapes) {
      if (argc > 4 && std::string_view(argv[4]) != shape.name) continue;
      // Warm-up: the caches fill by use (decompressed blocks, decoded terms, kept ranges), faster with more
      // threads; a cell measured on colder caches than the next would skew the speed-ups.
      measure(*store, shape, subjects, *std::max_element(counts.begin(), counts.end()),
              std::min(seconds, 3.0));
      double one = 0;
      for (int threads : counts) {
        const Cell c = measure(*store, shape, subjects, threads, seconds);
        if (threads == counts.front()) one = c.queries_per_second;
        std::printf("%-18s %7d %10.0f %9.3f %9.3f %7.2fx\n", shape.name, threads, c.queries_per_second,
                    c.p50_ms, c.p99_ms, c.queries_per_second / one);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quiver-concurrency-bench: %s\n", e.what());
    return 1;
  }
}
