// GET /fts/status: the full-text index's state: the subjects it holds, the store's last commit with text
// changes and the last one the index applied (the lag), and why it lags when catching up failed.
#include <string>

#include "query/query.h"
#include "server/service.h"

namespace quiver::server {

void add_fts_status_route(httplib::Server& http, Service& service) {
  http.Get("/fts/status", [&service](const httplib::Request& req, httplib::Response& res) {
    if (!service.tokens.admit(req, res, Role::Read)) return;
    const auto s = service.database.text_index_status();
    const uint64_t lag = s.store_sequence > s.applied_sequence ? s.store_sequence - s.applied_sequence : 0;
    res.set_content(
        "{\"embedded\":{\"documents\":" + std::to_string(s.documents) +
            ",\"appliedSequence\":" + std::to_string(s.applied_sequence) +
            ",\"storeSequence\":" + std::to_string(s.store_sequence) + ",\"lag\":" + std::to_string(lag) +
            ",\"error\":" + (s.error.empty() ? "null" : "\"" + query::json_escape(s.error) + "\"") + "}}\n",
        "application/json");
  });
}

}  // namespace quiver::server
