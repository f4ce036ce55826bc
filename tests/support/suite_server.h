// Test support: the W3C suites run through the HTTP endpoint. One server in process, on a store of its own,
// for the whole test binary; each case empties the store, sends its documents through the Graph Store
// Protocol and its query or update through the SPARQL protocol, as a remote client would.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/access_log.h"
#include "server/server.h"
#include "tests/support/manifest.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"
#include "tests/support/w3c_cases.h"

namespace quiver::testing {

class SuiteServer {
 public:
  // Started on first use; stopped when the test binary exits.
  static SuiteServer& instance() {
    static SuiteServer server;
    return server;
  }
  ~SuiteServer() {
    server_->stop();
    thread_.join();
  }

  // Empties the store (every graph).
  void reset() { update("DROP ALL", ""); }

  // One test document into `graph` ("" for the default graph). It is read here, with its own IRI as base,
  // and sent as N-Triples: the suites' relative IRIs resolve against the document, not the request URL.
  void add(const std::filesystem::path& file, const std::string& graph) {
    ParsedDocument doc = parse_document(file, document_format(file), file_iri(file));
    if (!doc.errors.empty()) throw std::runtime_error("cannot read " + file.string());
    if (doc.quads.empty()) return;
    std::string body;
    for (const TermQuad& q : doc.quads)
      body += to_ntriples(q[0]) + " " + to_ntriples(q[1]) + " " + to_ntriples(q[2]) + " .\n";
    const std::string target =
        graph.empty() ? "/store?default" : "/store?graph=" + httplib::detail::encode_query_param(graph);
    expect_success(client_->Post(target, body, "application/n-triples"), "POST " + target);
  }

  // The query (with `base` as its base IRI) through POST /sparql, answered in a type of `accept`.
  httplib::Result query(const std::string& text, const std::string& base, const std::string& accept) {
    return client_->Post("/sparql", {{"Accept", accept}}, with_base(text, base), "application/sparql-query");
  }

  // Throws with the server's message when the update is refused.
  void update(const std::string& text, const std::string& base) {
    expect_success(client_->Post("/sparql", with_base(text, base), "application/sparql-update"), "update");
  }

  // Every quad of the store, read back as N-Quads (GET /store).
  std::vector<TermQuad> dataset() {
    auto got = client_->Get("/store", {{"Accept", "application/n-quads"}});
    expect_success(got, "GET /store");
    ParsedDocument doc = parse_document(write_file(dir_ / "dataset.nq", got->body), RdfFormat::NQuads, "");
    if (!doc.errors.empty()) throw std::runtime_error("GET /store: " + doc.errors[0].to_string());
    return doc.quads;
  }

  // A folder for the files a case writes (answers to be read back).
  const std::filesystem::path& scratch() const { return dir_.path(); }

 private:
  SuiteServer() : database_(Database::open(dir_ / "db")) {
    server::ServerOptions options;
    options.port = 0;
    options.timeout = std::chrono::seconds(20);
    options.data_root = w3c_dir();  // the update suite's LOAD reads the suite's files
    server_ = std::make_unique<server::Server>(*database_, options);
    const int port = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    // Thousands of requests: the access log of a failing case is not what tells why it failed.
    server::access_log()->set_level(spdlog::level::off);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(std::chrono::seconds(30));
  }

  // The protocol has no base IRI parameter: the text gets a BASE declaration, unless it has one (Rasqal
  // takes one only).
  static std::string with_base(const std::string& text, const std::string& base) {
    static const std::regex declared(R"((^|\s)BASE\s*<)", std::regex::icase);
    return base.empty() || std::regex_search(text, declared) ? text : "BASE <" + base + ">\n" + text;
  }

  static void expect_success(const httplib::Result& r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": no answer (" + httplib::to_string(r.error()) + ")");
    if (r->status / 100 != 2)
      throw std::runtime_error(what + ": " + std::to_string(r->status) + " " + r->body.substr(0, 500));
  }

  TempDir dir_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace quiver::testing
