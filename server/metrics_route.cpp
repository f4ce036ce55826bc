// GET /metrics: Prometheus' text format. The request counters and latency histograms (metrics.h), and gauges
// read at each scrape: queries running and waiting, queries answered from a template, load jobs by status,
// the store's quads and its bytes on disk and in memory.
#include <fmt/format.h>

#include "server/load_jobs.h"
#include "server/service.h"

namespace quiver::server {
namespace {

std::string gauge(const std::string& name, const std::string& help, double value) {
  return fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, value);
}

std::string scrape(Service& service, LoadJobs& jobs) {
  std::string out = service.metrics.render();
  out +=
      gauge("quiver_queries_running", "Queries, updates and graph reads running, listed in /sparql/status.",
            static_cast<double>(service.queries.running().size()));
  out += gauge("quiver_queries_waiting", "Queries and graph reads waiting for their turn to run.",
               static_cast<double>(service.admission.waiting()));
  out += "# HELP quiver_load_jobs Load jobs (/loader) by status.\n# TYPE quiver_load_jobs gauge\n";
  for (const auto& [status, count] : jobs.counts())
    out += fmt::format("quiver_load_jobs{{status=\"{}\"}} {}\n", neptune_name(status), count);
  out += fmt::format(
      "# HELP quiver_queries_from_templates_total Queries answered from the parse of an earlier query of "
      "their shape.\n# TYPE quiver_queries_from_templates_total counter\nquiver_queries_from_templates_total "
      "{}\n",
      service.database.queries_from_templates());
  out += gauge("quiver_store_quads", "Quads in the store.",
               static_cast<double>(service.database.statistics().quads));
  const auto text = service.database.text_index_status();
  out += gauge("quiver_fulltext_documents", "Subjects the full-text index holds.",
               static_cast<double>(text.documents));
  out +=
      gauge("quiver_fulltext_lag", "Commits with text changes the full-text index has not applied yet.",
            static_cast<double>(text.store_sequence - std::min(text.store_sequence, text.applied_sequence)));
  const StorageFigures figures = service.database.storage_figures();
  out += gauge("quiver_store_disk_bytes", "Bytes of the store's index and dictionary files.",
               static_cast<double>(figures.disk_bytes));
  out +=
      "# HELP quiver_store_memory_bytes Bytes the store holds in memory, by use.\n"
      "# TYPE quiver_store_memory_bytes gauge\n";
  out += fmt::format("quiver_store_memory_bytes{{use=\"memtables\"}} {}\n", figures.memtable_bytes);
  out += fmt::format("quiver_store_memory_bytes{{use=\"block_cache\"}} {}\n", figures.block_cache_bytes);
  out += fmt::format("quiver_store_memory_bytes{{use=\"scan_cache\"}} {}\n", figures.scan_cache_bytes);
  return out;
}

}  // namespace

void add_metrics_route(httplib::Server& http, Service& service, LoadJobs& jobs) {
  http.Get("/metrics", [&service, &jobs](const httplib::Request&, httplib::Response& res) {
    res.set_content(scrape(service, jobs), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace quiver::server
