// GET /: the query console (YASGUI from npm, server/console/), whose files are built into the binary. Open
// without a token, like /health: the page holds no data, and asks for a token for its queries.
#include <string_view>

#include "server/service.h"

extern "C" {
extern const char quiver_console_index_html[], quiver_console_index_html_end[];
extern const char quiver_console_yasgui_js[], quiver_console_yasgui_js_end[];
extern const char quiver_console_yasgui_css[], quiver_console_yasgui_css_end[];
}

namespace quiver::server {
namespace {

void serve_file(httplib::Server& http, const std::string& path, const char* begin, const char* end,
                const char* content_type) {
  http.Get(path, [content = std::string_view(begin, end - begin), content_type](const httplib::Request&,
                                                                                httplib::Response& res) {
    res.set_header("Cache-Control", "public, max-age=3600");
    // No page of another site may frame the console and lead a click into an update.
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Content-Security-Policy", "frame-ancestors 'none'");
    res.set_content(content.data(), content.size(), content_type);
  });
}

}  // namespace

bool is_console_path(const std::string& path) {
  return path == "/" || path.starts_with("/console/");
}

void add_console_route(httplib::Server& http) {
  serve_file(http, "/", quiver_console_index_html, quiver_console_index_html_end, "text/html; charset=utf-8");
  serve_file(http, "/console/yasgui.min.js", quiver_console_yasgui_js, quiver_console_yasgui_js_end,
             "text/javascript; charset=utf-8");
  serve_file(http, "/console/yasgui.min.css", quiver_console_yasgui_css, quiver_console_yasgui_css_end,
             "text/css; charset=utf-8");
}

}  // namespace quiver::server
