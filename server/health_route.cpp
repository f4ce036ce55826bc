// GET /health: 200 while the server serves, for load balancers and orchestrators.
#include "server/service.h"

namespace quiver::server {

void add_health_route(httplib::Server& http, Service&) {
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"healthy\"}\n", "application/json");
  });
}

}  // namespace quiver::server
