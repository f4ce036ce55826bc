// quiver-update-bench: times SPARQL Update requests against a store in process.
//   quiver-update-bench DB request FILE.ru [OPTION...]  one request; prints ms, triples inserted and deleted,
//                                                       and the peak RSS (MiB)
//   quiver-update-bench DB small N [OPTION...]          N single-triple INSERT DATA requests in a row; prints
//                                                       the median and 99th percentile latency per commit
//                                                       (ms)
// Options: nosync (no WAL sync on commit), memory=MIB (the update's memory limit; default as quiver
// update's).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "query/update.h"

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "Usage: quiver-update-bench DB (request FILE.ru | small N) [nosync] [memory=MIB]\n");
    return 2;
  }
  quiver::StoreOptions store_options;
  store_options.create_if_missing = false;
  auto store = quiver::Store::open(argv[1], store_options);
  quiver::query::UpdateOptions options;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "nosync") == 0) options.sync = false;
    if (std::strncmp(argv[i], "memory=", 7) == 0) options.memory_limit = std::stoull(argv[i] + 7) << 20;
  }
  if (std::strcmp(argv[2], "request") == 0) {
    std::ifstream in(argv[3]);
    std::stringstream text;
    text << in.rdbuf();
    const auto start = std::chrono::steady_clock::now();
    auto report = quiver::query::run_update(*store, text.str(), options);
    std::printf("%.1f %llu %llu %ld\n", elapsed_ms(start), static_cast<unsigned long long>(report.inserted),
                static_cast<unsigned long long>(report.deleted), peak_rss_mib());
    return 0;
  }
  const int n = std::max(1, std::atoi(argv[3]));
  std::vector<double> latencies;
  for (int i = 0; i < n; ++i) {
    const std::string request = "INSERT DATA { <http://bench.quiver/small/" + std::to_string(i) +
                                "> <http://bench.quiver/p> \"" + std::to_string(i) + "\" }";
    const auto start = std::chrono::steady_clock::now();
    quiver::query::run_update(*store, request, options);
    latencies.push_back(elapsed_ms(start));
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("%.3f %.3f\n", latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100]);
  return 0;
}
