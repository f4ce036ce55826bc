// Test support: a server in process on a store of 200 triples (<http://e/sI> <http://e/p> "I"), and an HTTP
// client to it.
#pragma once

#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "server/server.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text;
    for (int i = 0; i < 200; ++i)
      text += "<http://e/s" + std::to_string(i) + "> <http://e/p> \"" + std::to_string(i) + "\" .\n";
    database_ = Database::open(dir_ / "db");
    LoadOptions options;
    options.inputs = {write_file(dir_ / "data.nt", text)};
    database_->load(options);
  }
  void TearDown() override { stop(); }

  void start(server::ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<server::Server>(*database_, options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(std::chrono::seconds(30));
  }
  void stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }

  // Until /sparql/status lists a running query (one sent from another thread), and a moment more: listed
  // once accepted, it then holds a worker.
  void wait_until_running() {
    for (int attempt = 0; attempt < 500; ++attempt) {
      if (client_->Get("/sparql/status")->body.find("\"runningQueryCount\":1") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  httplib::Result get(const std::string& query, const std::string& accept = "",
                      const std::string& more = "") {
    httplib::Headers headers;
    if (!accept.empty()) headers.emplace("Accept", accept);
    return client_->Get("/sparql?query=" + httplib::detail::encode_query_param(query) + more, headers);
  }
  httplib::Result post_form(const std::string& name, const std::string& text,
                            const std::string& accept = "") {
    httplib::Headers headers;
    if (!accept.empty()) headers.emplace("Accept", accept);
    return client_->Post("/sparql", headers, name + "=" + httplib::detail::encode_query_param(text),
                         "application/x-www-form-urlencoded");
  }

  TempDir dir_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

inline constexpr const char* kCount = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }";
// 200^4 rows to count: longer than any test waits.
inline constexpr const char* kSlow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";

}  // namespace quiver::testing
