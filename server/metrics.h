// What the server counts for /metrics (Prometheus' text format): requests by route and status, their
// latency by route, and gauges read when scraped. Internal to server/.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace quiver::server {

class Metrics {
 public:
  // The route a path belongs to ("/sparql", "/store", "/loader", ...), so that ids in paths do not make a
  // series each.
  static std::string route_of(const std::string& path);
  void record(const std::string& route, int status, double seconds);
  // The counters and histograms in Prometheus' text format.
  std::string render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30};
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};  // requests at or under each bound
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Latency> latency_;
};

}  // namespace quiver::server
