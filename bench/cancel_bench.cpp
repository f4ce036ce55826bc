// quiver-cancel-bench: how long a query takes to stop once cancelled. Each query of a folder runs once whole
// (its time sets the range of cancellation points), then RUNS times with a cancel from another thread at a
// random point of that range; the table gives, per query, the milliseconds from cancel() to the query's
// error, and the last line the same over every sample.
//   quiver-cancel-bench STORE QUERY_DIR [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "query/query.h"

namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The query run whole once; its milliseconds.
double run_whole(const quiver::Store& store, const std::string& text) {
  quiver::query::CountingSink sink;
  const auto start = Clock::now();
  quiver::query::run_query(store, text, {}, sink);
  return Ms(Clock::now() - start).count();
}

// Milliseconds from the cancel to the query's end, or a negative number when it ended before the cancel.
double cancelled_after(const quiver::Store& store, const std::string& text, double delay_ms) {
  quiver::Cancellation stop;
  quiver::query::QueryOptions options;
  options.cancellation = &stop;
  Clock::time_point cancelled_at{}, ended{};
  std::thread canceller([&] {
    std::this_thread::sleep_for(Ms(delay_ms));
    cancelled_at = Clock::now();
    stop.cancel(quiver::StopReason::Cancelled);
  });
  quiver::query::CountingSink sink;
  try {
    quiver::query::run_query(store, text, options, sink);
  } catch (const quiver::query::QueryError&) {
  }
  ended = Clock::now();
  canceller.join();
  return ended < cancelled_at ? -1 : Ms(ended - cancelled_at).count();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s STORE QUERY_DIR [RUNS]\n", argv[0]);
    return 2;
  }
  try {
    const int runs = argc > 3 ? std::stoi(argv[3]) : 20;
    auto store = quiver::Store::open(argv[1], {.create_if_missing = false, .read_only = true});
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[2]))
      if (entry.path().extension() == ".rq") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::mt19937_64 random(7);
    std::vector<double> all;
    std::printf("%-34s %10s %8s %9s %9s %9s\n", "query", "whole ms", "samples", "p50 ms", "p99 ms", "max ms");
    for (const auto& file : files) {
      const std::string text = read_file(file);
      run_whole(*store, text);  // warm
      const double whole = run_whole(*store, text);
      std::vector<double> latencies;
      for (int r = 0; r < runs; ++r) {
        const double delay = std::uniform_real_distribution<double>(0, std::min(whole, 2000.0))(random);
        if (const double after = cancelled_after(*store, text, delay); after >= 0) latencies.push_back(after);
      }
      all.insert(all.end(), latencies.begin(), latencies.end());
      std::printf("%-34s %10.1f %8zu %9.2f %9.2f %9.2f\n", file.stem().c_str(), whole, latencies.size(),
                  percentile(latencies, 0.5), percentile(latencies, 0.99),
                  latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end()));
      std::fflush(stdout);
    }
    std::printf("%-34s %10s %8zu %9.2f %9.2f %9.2f\n", "all", "", all.size(), percentile(all, 0.5),
                percentile(all, 0.99), all.empty() ? 0 : *std::max_element(all.begin(), all.end()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quiver-cancel-bench: %s\n", e.what());
    return 1;
  }
}
