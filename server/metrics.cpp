#include "server/metrics.h"

#include <fmt/format.h>

namespace quiver::server {

std::string Metrics::route_of(const std::string& path) {
  for (const char* route : {"/sparql/status", "/sparql", "/store", "/loader", "/health", "/metrics"})
    if (path == route || path.starts_with(std::string(route) + "/")) return route;
  return "other";
}

void Metrics::record(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  Latency& l = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) l.buckets[i] += seconds <= kBuckets[i];
  ++l.count;
  l.sum += seconds;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out =
      "# HELP quiver_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE quiver_http_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += fmt::format("quiver_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second,
                       count);
  out +=
      "# HELP quiver_http_request_duration_seconds Time from a request's arrival to its answer, by route.\n"
      "# TYPE quiver_http_request_duration_seconds histogram\n";
  for (const auto& [route, l] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out += fmt::format("quiver_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBuckets[i], l.buckets[i]);
    out += fmt::format("quiver_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
                       l.count);
    out += fmt::format("quiver_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, l.sum);
    out += fmt::format("quiver_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, l.count);
  }
  return out;
}

}  // namespace quiver::server
