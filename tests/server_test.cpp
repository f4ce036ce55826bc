// `quiver serve`'s SPARQL 1.1 Protocol at /sparql, through a real HTTP client: queries by GET and POST,
// updates, content negotiation, and the status of every kind of failure.
#include <unistd.h>

#include "tests/support/live_server.h"
#include "tests/support/quiver_process.h"

namespace quiver::testing {
namespace {

TEST_F(ServerTest, AQueryByGetByFormAndByBodyGetsTheSameAnswer) {
  start();
  auto by_get = get(kCount, "text/csv");
  ASSERT_TRUE(by_get);
  EXPECT_EQ(by_get->status, 200);
  EXPECT_EQ(by_get->body, "n\r\n200\r\n");
  EXPECT_EQ(by_get->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  auto by_form = post_form("query", kCount, "text/csv");
  ASSERT_TRUE(by_form);
  EXPECT_EQ(by_form->body, by_get->body);
  auto by_body = client_->Post("/sparql", {{"Accept", "text/csv"}}, kCount, "application/sparql-query");
  ASSERT_TRUE(by_body);
  EXPECT_EQ(by_body->body, by_get->body);
  // A '?' left as it is in the query string is legal in a URI's query (Apache Jena's clients send them so).
  auto unquoted =
      client_->Get("/sparql?query=SELECT%20(COUNT(?s)%20AS%20?n)%20WHERE%20%7B%20?s%20?p%20?o%20%7D",
                   {{"Accept", "text/csv"}});
  ASSERT_TRUE(unquoted);
  EXPECT_EQ(unquoted->status, 200) << unquoted->body;
  EXPECT_EQ(unquoted->body, by_get->body);
}

// Many requests go over one connection, as clients keep it (the HTTP library's default closed it after five).
TEST_F(ServerTest, AConnectionIsKeptForManyRequests) {
  start();
  client_->set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    auto res = get(kCount, "text/csv");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Keep-Alive").find("max=5,"), std::string::npos);
    EXPECT_NE(res->get_header_value("Connection"), "close") << "request " << i;
  }
}

TEST_F(ServerTest, ResultsComeInTheFormatTheClientPrefers) {
  start();
  auto json = get(kCount);  // no Accept: SPARQL JSON
  ASSERT_TRUE(json);
  EXPECT_EQ(json->get_header_value("Content-Type"), "application/sparql-results+json; charset=utf-8");
  EXPECT_NE(json->body.find("\"value\":\"200\""), std::string::npos) << json->body;
  auto xml = get(kCount, "text/csv;q=0.5, application/sparql-results+xml");
  EXPECT_EQ(xml->get_header_value("Content-Type"), "application/sparql-results+xml; charset=utf-8");
  auto tsv = get(kCount, "application/sparql-results+json", "&format=tsv");  // the parameter wins
  EXPECT_EQ(tsv->get_header_value("Content-Type"), "text/tab-separated-values; charset=utf-8");
  auto wildcard = get(kCount, "text/*");
  EXPECT_EQ(wildcard->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  auto graph = get("CONSTRUCT WHERE { <http://e/s1> ?p ?o }", "text/turtle, */*;q=0.1");
  EXPECT_EQ(graph->get_header_value("Content-Type"), "text/turtle; charset=utf-8");
  EXPECT_NE(graph->body.find("<http://e/s1> <http://e/p> \"1\""), std::string::npos) << graph->body;
  auto nt = get("CONSTRUCT WHERE { <http://e/s1> ?p ?o }");
  EXPECT_EQ(nt->body, "<http://e/s1> <http://e/p> \"1\" .\n");
  auto ask = get("ASK { <http://e/s1> ?p ?o }");
  EXPECT_NE(ask->body.find("\"boolean\":true"), std::string::npos) << ask->body;
  auto plain = get("CONSTRUCT WHERE { <http://e/s1> ?p ?o }", "text/plain");  // N-Triples' old media type
  EXPECT_EQ(plain->get_header_value("Content-Type"), "application/n-triples; charset=utf-8");
  auto not_json = get(kCount, "application/sparql-results+json;q=0, */*");
  EXPECT_EQ(not_json->get_header_value("Content-Type"), "application/sparql-results+xml; charset=utf-8");
  auto refused = get(kCount, "image/png");
  EXPECT_EQ(refused->status, 406);
  EXPECT_NE(refused->body.find("application/sparql-results+json"), std::string::npos) << refused->body;
}

TEST_F(ServerTest, AnUpdateIsSeenByTheQueriesAfterIt) {
  start();
  auto update = post_form("update", "INSERT DATA { <http://e/new> <http://e/p> \"x\" }");
  ASSERT_TRUE(update);
  EXPECT_EQ(update->status, 200) << update->body;
  EXPECT_EQ(update->body, "1 inserted, 0 deleted\n");
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n201\r\n");
  auto direct =
      client_->Post("/sparql", "DELETE WHERE { <http://e/new> ?p ?o }", "application/sparql-update");
  EXPECT_EQ(direct->status, 200);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

TEST_F(ServerTest, FullTextSearchSeesEachUpdateAndShowsItsState) {
  start();
  const std::string search =
      "PREFIX fts: <http://aws.amazon.com/neptune/vocab/v01/services/fts#> SELECT ?s WHERE { SERVICE "
      "fts:search { fts:config fts:query 'quiver' . fts:config fts:return ?s } }";
  EXPECT_EQ(get(search, "text/csv")->body, "s\r\n");
  ASSERT_EQ(post_form("update", "INSERT DATA { <http://e/doc> <http://e/title> \"A quiver of arrows\"@en }")
                ->status,
            200);
  EXPECT_EQ(get(search, "text/csv")->body, "s\r\nhttp://e/doc\r\n");
  const auto status = client_->Get("/fts/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_NE(status->body.find("\"lag\":0"), std::string::npos) << status->body;
  EXPECT_NE(status->body.find("\"error\":null"), std::string::npos) << status->body;
  EXPECT_EQ(get("SELECT * { SERVICE <http://elsewhere/sparql> { ?s ?p ?o } }")->status, 501);
}

TEST_F(ServerTest, EachFailureHasItsStatusAndALocatedMessage) {
  start();
  auto syntax = get("SELECT ?x WHERE { ?x");
  EXPECT_EQ(syntax->status, 400);
  EXPECT_NE(syntax->body.find("line 1, column"), std::string::npos) << syntax->body;
  auto media = client_->Post("/sparql", kCount, "text/plain");
  EXPECT_EQ(media->status, 415);
  auto both =
      client_->Post("/sparql", "query=ASK%7B%7D&update=CLEAR%20ALL", "application/x-www-form-urlencoded");
  EXPECT_EQ(both->status, 400);
  auto twice = client_->Get("/sparql?query=ASK%7B%7D&query=ASK%20%7B%7D");
  EXPECT_EQ(twice->status, 400);
  auto bad_timeout = get(kCount, "", "&timeout=soon");
  EXPECT_EQ(bad_timeout->status, 400);
  EXPECT_EQ(client_->Get("/nothing")->status, 404);
  // An update that is valid SPARQL but cannot be done: 404 for what does not exist, 403 for what the server
  // may not read; 400 stays the answer for invalid text only.
  const std::string update = "application/sparql-update";
  EXPECT_EQ(client_->Post("/sparql", "DROP GRAPH <http://e/none>", update)->status, 404);
  EXPECT_EQ(client_->Post("/sparql", "COPY <http://e/none> TO <http://e/g>", update)->status, 404);
  EXPECT_EQ(client_->Post("/sparql", "LOAD <file:///etc/passwd>", update)->status, 403);  // no data root
  EXPECT_EQ(client_->Post("/sparql", "LOAD SILENT <file:///etc/passwd>", update)->status, 200);
  EXPECT_EQ(client_->Post("/sparql", "DROP GRAPH", update)->status, 400);
  // A query that cannot finish in its time, before any row: 503 with the reason.
  auto slow = get(kSlow, "", "&timeout=20");
  EXPECT_EQ(slow->status, 503);
  EXPECT_NE(slow->body.find("timeout"), std::string::npos) << slow->body;
  // The server goes on serving.
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

TEST_F(ServerTest, APageOfAnotherOriginMayQueryButNotChangeTheStoreOrStopQueries) {
  start();
  const httplib::Headers foreign = {{"Origin", "http://elsewhere.example"}};
  auto update = client_->Post("/sparql", foreign, "update=CLEAR%20ALL", "application/x-www-form-urlencoded");
  EXPECT_EQ(update->status, 403);
  auto cancel = client_->Post("/sparql/status", foreign, "cmd=cancelQuery&queryId=x",
                              "application/x-www-form-urlencoded");
  EXPECT_EQ(cancel->status, 403);
  EXPECT_EQ(client_->Get("/sparql/status?cmd=cancelQuery&queryId=x")->status, 405);  // commands by POST
  auto query = client_->Get("/sparql?query=" + httplib::detail::encode_query_param(kCount), foreign);
  EXPECT_EQ(query->status, 200);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
  // The same page's own origin may.
  auto own = client_->Post(
      "/sparql", {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}},
      "update=INSERT%20DATA%20%7B%3Chttp%3A%2F%2Fe%2Fx%3E%20%3Chttp%3A%2F%2Fe%2Fp%3E%20%22y%22%7D",
      "application/x-www-form-urlencoded");
  EXPECT_EQ(own->status, 200) << own->body;
}

TEST_F(ServerTest, AServerStoppedBeforeItRunsEndsAtOnce) {
  server::ServerOptions options;
  options.port = 0;
  server::Server unused(*database_, options);
  unused.bind();
  unused.stop();
  unused.run();  // returns: it was stopped
}

TEST_F(ServerTest, HostileRequestsGetAStatusAndTheServerGoesOn) {
  server::ServerOptions options;
  options.max_body_bytes = 1 << 16;
  options.max_query_bytes = 1 << 12;
  start(options);
  // A body over the limit; a query over its length limit; a query that is not UTF-8; broken
  // percent-encoding; a query nested past the front end's limit.
  EXPECT_EQ(client_->Post("/sparql", std::string(1 << 17, 'x'), "application/sparql-query")->status, 413);
  auto long_query =
      client_->Post("/sparql", "ASK {}" + std::string(1 << 13, ' '), "application/sparql-query");
  EXPECT_EQ(long_query->status, 413);
  EXPECT_NE(long_query->body.find("limit"), std::string::npos) << long_query->body;
  auto not_utf8 = client_->Post("/sparql", "SELECT * { ?s ?p \"\xff\xfe\" }", "application/sparql-query");
  EXPECT_EQ(not_utf8->status, 400);
  EXPECT_NE(not_utf8->body.find("UTF-8"), std::string::npos) << not_utf8->body;
  EXPECT_EQ(client_->Get("/sparql?query=ASK%7B%zz%7D")->status, 400);
  std::string deep = "SELECT * {";
  deep += std::string(1100, '{') + std::string(1100, '}') + "}";
  auto nested = client_->Post("/sparql", deep, "application/sparql-query");
  EXPECT_EQ(nested->status, 400);
  EXPECT_NE(nested->body.find("too complex"), std::string::npos) << nested->body;
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

// A connection of raw bytes to the server (for what no client library sends).
int connect_raw(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  return fd;
}

// Sends `request` on a new connection, half-closes it, and reads until the server closes.
std::string exchange_raw(int port, const std::string& request) {
  const int fd = connect_raw(port);
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<size_t>(n));
  close(fd);
  return answer;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST_F(ServerTest, TheConnectionLoopRefusesWhatTheLibraryWouldMisread) {
  const auto tokens = write_file(dir_ / "tokens", "read r-token\n");
  server::ServerOptions options;
  options.auth_token_file = tokens;
  start(options);
  // A request line too long to parse: 414, and the connection closes.
  const std::string long_line =
      exchange_raw(port_, "GET /sparql?query=" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(long_line.starts_with("HTTP/1.1 414")) << long_line.substr(0, 200);
  // Headers past 64 KiB: 431.
  std::string many_headers = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i)
    many_headers += "X-Filler-" + std::to_string(i) + ": " + std::string(30, 'v') + "\r\n";
  const std::string too_large = exchange_raw(port_, many_headers + "\r\n");
  EXPECT_TRUE(too_large.starts_with("HTTP/1.1 431")) << too_large.substr(0, 200);
  // A body left unread (the request is refused before it is read) is not taken for requests.
  const std::string smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string refused = exchange_raw(
      port_,
      "POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: " +
          std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 401")) << refused;
  EXPECT_EQ(count_of(refused, "HTTP/1.1 "), 1u) << refused;
  // Pipelined requests whose bodies are read are all answered.
  const std::string pipelined = exchange_raw(port_, smuggled + smuggled + smuggled);
  EXPECT_EQ(count_of(pipelined, "HTTP/1.1 200"), 3u) << pipelined;
}

// A new connection whose request comes late keeps its thread though others wait for one: only a connection
// that has had an answer gives its thread up while idle. (Fresh connections were closed unanswered when a
// burst of them found every thread taken.)
// A slowloris client, its headers a byte at a time, gets 408 once the read timeout has passed since its
// request began (each byte in time does not extend it), and its connection is closed.
TEST_F(ServerTest, HeadersThatComeTooSlowlyAreAnswered408) {
  server::ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(400);
  start(options);
  const int fd = connect_raw(port_);
  const std::string start_of_request = "GET /health HTTP/1.1\r\nHost: x\r\n";
  send(fd, start_of_request.data(), start_of_request.size(), MSG_NOSIGNAL);
  const auto began = std::chrono::steady_clock::now();
  timeval tick{0, 50000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  std::string answer;
  char buffer[4096];
  for (int i = 0; i < 100; ++i) {  // five seconds at most
    send(fd, "X", 1, MSG_NOSIGNAL);
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n > 0) answer.append(buffer, static_cast<size_t>(n));
  }
  const auto waited = std::chrono::steady_clock::now() - began;
  close(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer.substr(0, 200);
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_EQ(client_->Get("/health")->status, 200);
}

TEST_F(ServerTest, EveryConnectionOfABurstIsAnswered) {
  server::ServerOptions options;
  options.threads = 1;
  options.queue = 0;  // five connection threads, five connections waiting for one
  start(options);
  std::vector<int> burst;
  for (int i = 0; i < 10; ++i) burst.push_back(connect_raw(port_));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // past the idle checks of the first five
  const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (int fd : burst) send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  for (int fd : burst) {
    std::string answer;
    char buffer[1024];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;)
      answer.append(buffer, static_cast<size_t>(n));
    close(fd);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << "connection " << fd << ": '" << answer << "'";
  }
}

TEST_F(ServerTest, ConnectionsPastTheLineAreAnsweredBusy) {
  server::ServerOptions options;
  options.threads = 1;
  options.queue = 0;  // five connection threads (threads + queue + 4), five connections waiting
  start(options);
  std::vector<int> held;
  for (int i = 0; i < 5; ++i) {  // each holds a thread, its headers not yet whole
    held.push_back(connect_raw(port_));
    send(held.back(), "GET /health HTTP/1.1\r\n", 22, MSG_NOSIGNAL);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 5; ++i) held.push_back(connect_raw(port_));  // these wait for a thread
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string busy = exchange_raw(port_, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(busy.starts_with("HTTP/1.1 503")) << busy;
  EXPECT_NE(busy.find("too many connections"), std::string::npos) << busy;
  for (int fd : held) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");  // and then serves again
}

TEST_F(ServerTest, AReadOnlyServerRefusesUpdates) {
  server::ServerOptions options;
  options.read_only = true;
  start(options);
  auto update = post_form("update", "CLEAR ALL");
  EXPECT_EQ(update->status, 403);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

TEST_F(ServerTest, AFullQueueIsAnsweredBusyAtOnce) {
  server::ServerOptions options;
  options.threads = 1;
  options.queue = 0;
  start(options);
  // One query holds the only worker until its timeout.
  std::thread slow([&] {
    httplib::Client other("127.0.0.1", port_);
    other.set_read_timeout(std::chrono::seconds(30));
    auto r = other.Get("/sparql?query=" + httplib::detail::encode_query_param(kSlow) + "&timeout=1500");
    EXPECT_EQ(r->status, 503);
  });
  wait_until_running();
  auto busy = get(kCount);
  EXPECT_EQ(busy->status, 503);
  EXPECT_NE(busy->body.find("busy"), std::string::npos) << busy->body;
  slow.join();
  // The worker is free again once it has finished with the slow query (just after its answer left).
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = get(kCount, "text/csv")->status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, ARunningQueryIsListedAndCancelledById) {
  start();
  std::thread slow([&] {
    httplib::Client other("127.0.0.1", port_);
    other.set_read_timeout(std::chrono::seconds(30));
    auto r = other.Get("/sparql?query=" + httplib::detail::encode_query_param(kSlow));
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(r->body.find("cancelled"), std::string::npos) << r->body;
  });
  std::string id;
  for (int attempt = 0; attempt < 200 && id.empty(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto status = client_->Get("/sparql/status");
    ASSERT_EQ(status->status, 200);
    const size_t at = status->body.find("\"queryId\":\"");
    if (at != std::string::npos) {
      id = status->body.substr(at + 11, 36);
      EXPECT_NE(status->body.find("\"runningQueryCount\":1"), std::string::npos) << status->body;
      EXPECT_NE(status->body.find("?j ?k ?l"), std::string::npos) << status->body;
    }
  }
  ASSERT_EQ(id.size(), 36u);
  auto cancel =
      client_->Post("/sparql/status", "cmd=cancelQuery&queryId=" + id, "application/x-www-form-urlencoded");
  EXPECT_EQ(cancel->status, 200) << cancel->body;
  slow.join();
  EXPECT_EQ(
      client_->Post("/sparql/status", "cmd=cancelQuery&queryId=" + id, "application/x-www-form-urlencoded")
          ->status,
      404);
  EXPECT_NE(client_->Get("/sparql/status")->body.find("\"runningQueryCount\":0"), std::string::npos);
}

TEST_F(ServerTest, AStopCancelsTheQueriesStillRunningAfterTheGracePeriod) {
  server::ServerOptions options;
  options.grace = std::chrono::milliseconds(200);
  start(options);
  std::thread slow([&] {
    httplib::Client other("127.0.0.1", port_);
    other.set_read_timeout(std::chrono::seconds(30));
    auto r = other.Get("/sparql?query=" + httplib::detail::encode_query_param(kSlow));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(r->body.find("cancelled"), std::string::npos) << r->body;
  });
  wait_until_running();
  const auto before = std::chrono::steady_clock::now();
  stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(10));
  slow.join();
}

TEST_F(ServerTest, ALargeResultArrivesWhole) {
  start();
  auto all = get("SELECT ?s ?o { ?s ?p ?o . ?x ?q ?y }", "text/tab-separated-values");  // 40,000 rows
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_EQ(std::count(all->body.begin(), all->body.end(), '\n'), 40001);
}

TEST_F(ServerTest, HealthAndTheServiceDescriptionAnswer) {
  start();
  EXPECT_EQ(client_->Get("/health")->status, 200);
  auto description = client_->Get("/sparql");
  EXPECT_EQ(description->status, 200);
  EXPECT_NE(description->body.find("sd:SPARQL11Query"), std::string::npos) << description->body;
  auto preflight = client_->Options("/sparql");
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "*");
}

// The page and its scripts; tests/console/console_test.mjs drives them in a browser.
TEST_F(ServerTest, TheConsoleIsServedAtTheRoot) {
  start();
  auto page = client_->Get("/");
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("/console/yasgui.min.js"), std::string::npos);
  auto script = client_->Get("/console/yasgui.min.js");
  ASSERT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(script->body.size(), 100000u);
  EXPECT_EQ(client_->Get("/console/yasgui.min.css")->status, 200);
  EXPECT_EQ(client_->Get("/console/other.js")->status, 404);
}

TEST_F(ServerTest, ExplainAnswersWithThePlanAsNeptuneDoes) {
  start();
  const std::string query = "SELECT ?s WHERE { ?s <http://e/p> \"7\" }";
  auto plan = get(query, "", "&explain=static");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->status, 200);
  EXPECT_EQ(plan->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(plan->body.find("est"), std::string::npos) << plan->body;
  auto ran = get(query, "", "&explain=dynamic");
  EXPECT_EQ(ran->status, 200);
  EXPECT_NE(ran->body.find("rows"), std::string::npos) << ran->body;
  EXPECT_EQ(get(query, "", "&explain=everything")->status, 400);
}

TEST_F(ServerTest, MetricsCountRequestsAndShowTheStore) {
  start();
  ASSERT_EQ(get(kCount)->status, 200);
  ASSERT_EQ(get("SELECT * {")->status, 400);
  // The third query of a shape is answered from the template the second made.
  for (const char* subject : {"s1", "s2", "s3"})
    ASSERT_EQ(get("SELECT * { <http://example.org/" + std::string(subject) + "> ?p ?o }")->status, 200);
  // A request is counted once its answer is written, a moment after the client has read it.
  std::string text;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto metrics = client_->Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    text = metrics->body;
    if (text.find("quiver_http_request_duration_seconds_count{route=\"/sparql\"} 5") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find("quiver_http_requests_total{route=\"/sparql\",status=\"200\"} 4"), std::string::npos)
      << text;
  EXPECT_NE(text.find("quiver_http_requests_total{route=\"/sparql\",status=\"400\"} 1"), std::string::npos);
  EXPECT_NE(text.find("quiver_http_request_duration_seconds_count{route=\"/sparql\"} 5"), std::string::npos);
  EXPECT_NE(text.find("quiver_queries_from_templates_total 1"), std::string::npos);
  EXPECT_NE(text.find("quiver_store_quads 200"), std::string::npos);
  EXPECT_NE(text.find("quiver_queries_running 0"), std::string::npos);
  EXPECT_NE(text.find("quiver_store_memory_bytes{use=\"block_cache\"}"), std::string::npos);
}

TEST_F(ServerTest, TokensAdmitEachRequestByItsRole) {
  const auto file = write_file(dir_ / "tokens", "# role token\nread r-token\nwrite w-token\nadmin a-token\n");
  server::ServerOptions options;
  options.auth_token_file = file;
  start(options);
  auto as = [](const std::string& token) { return httplib::Headers{{"Authorization", "Bearer " + token}}; };
  const std::string count = "/sparql?query=" + httplib::detail::encode_query_param(kCount);
  EXPECT_EQ(client_->Get("/health")->status, 200);  // load balancers need no token
  EXPECT_EQ(client_->Get("/")->status, 200);        // nor the console's page, which asks for one
  auto missing = client_->Get(count);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(missing->get_header_value("WWW-Authenticate"), "Bearer realm=\"quiver\"");
  EXPECT_EQ(client_->Get(count, as("wrong"))->status, 401);
  EXPECT_EQ(client_->Get(count, as("r-token"))->status, 200);
  const std::string update =
      "update=" + httplib::detail::encode_query_param("INSERT DATA { <http://e/x> <http://e/p> 1 }");
  EXPECT_EQ(client_->Post("/sparql", as("r-token"), update, "application/x-www-form-urlencoded")->status,
            403);
  EXPECT_EQ(client_->Post("/sparql", as("w-token"), update, "application/x-www-form-urlencoded")->status,
            200);
  EXPECT_EQ(client_->Put("/store?default", as("r-token"), "", "text/turtle")->status, 403);
  EXPECT_EQ(client_->Post("/loader", as("w-token"), "{}", "application/json")->status, 403);
  // Others' query texts and load jobs are for admins.
  EXPECT_EQ(client_->Get("/sparql/status", as("w-token"))->status, 403);
  EXPECT_EQ(client_->Get("/sparql/status", as("a-token"))->status, 200);
  EXPECT_EQ(client_->Get("/loader", as("w-token"))->status, 403);
  EXPECT_EQ(client_->Get("/loader", as("a-token"))->status, 200);
  EXPECT_EQ(client_->Post("/loader", as("a-token"), "{}", "application/json")->status, 400);  // admitted
  EXPECT_EQ(client_
                ->Post("/sparql/status", as("w-token"), "cmd=cancelQuery&queryId=x",
                       "application/x-www-form-urlencoded")
                ->status,
            403);
}

TEST(ServerTokens, ABadTokenFileIsRefusedWithItsLine) {
  TempDir dir;
  auto database = Database::open(dir / "db");
  server::ServerOptions options;
  options.auth_token_file = write_file(dir / "tokens", "read ok\nroot secret\n");
  try {
    server::Server server(*database, options);
    FAIL() << "a token file with an unknown role was taken";
  } catch (const server::ServerError& e) {
    EXPECT_NE(std::string(e.what()).find("tokens:2: the role is read, write or admin"), std::string::npos)
        << e.what();
  }
  options.auth_token_file = write_file(dir / "empty", "# nothing\n");
  EXPECT_THROW(server::Server(*database, options), server::ServerError);
}

// The server holds the store's lock: `quiver update` and `quiver load` on the store go through its API, found
// from the address a serving `quiver serve` leaves in the store's folder (written by hand here, as the
// server runs in this process), or given with --url.
TEST_F(ServerTest, TheCliSendsItsWorkToTheServerHoldingTheStore) {
  start();
  const std::string db = (dir_ / "db").string(), url = "http://127.0.0.1:" + std::to_string(port_);
  write_file(dir_ / "db" / "serve.url", url + " " + std::to_string(getpid()) + "\n");
  auto update = run_quiver("update --db " + db + " 'INSERT DATA { <http://e/new> <http://e/p> \"1\" }'");
  EXPECT_EQ(update.code, 0) << update.output;
  EXPECT_NE(update.output.find("1 inserted"), std::string::npos) << update.output;
  const auto file = write_file(dir_ / "more.ttl", "<http://e/a> <http://e/q> \"x\" , \"y\" .\n");
  auto load = run_quiver("load --db " + db + " --graph http://e/g " + file.string());
  EXPECT_EQ(load.code, 0) << load.output;
  EXPECT_NE(load.output.find("2 statements added"), std::string::npos) << load.output;
  EXPECT_EQ(get("SELECT (COUNT(*) AS ?n) { GRAPH <http://e/g> { ?s ?p ?o } }", "text/csv")->body,
            "n\r\n2\r\n");
  auto refused = run_quiver("update --db " + db + " --url " + url + " 'INSERT DATA { <a> <b> }'");
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.output.find("(400)"), std::string::npos) << refused.output;
  // The request's base IRI goes with it; settings of a store the command would open itself are refused.
  auto based =
      run_quiver("update --db " + db + " --base http://e/ 'INSERT DATA { <based> <http://e/p> \"3\" }'");
  EXPECT_EQ(based.code, 0) << based.output;
  EXPECT_EQ(get("ASK { <http://e/based> ?p ?o }", "text/csv")->body, "true\r\n");
  auto bad_base = run_quiver("update --db " + db + " --base 'http://e/> <x' 'INSERT DATA { <a> <b> <c> }'");
  EXPECT_EQ(bad_base.code, 2) << bad_base.output;
  EXPECT_NE(bad_base.output.find("--base must be an IRI"), std::string::npos) << bad_base.output;
  auto skip = run_quiver("load --db " + db + " --on-error skip " + file.string());
  EXPECT_EQ(skip.code, 2) << skip.output;
  EXPECT_NE(skip.output.find("--on-error sets what this command does"), std::string::npos) << skip.output;
  stop();
  database_.reset();
  // A server gone without clearing its address: the CLI opens the store itself.
  auto local = run_quiver("update --db " + db + " 'INSERT DATA { <http://e/later> <http://e/p> \"2\" }'");
  EXPECT_EQ(local.code, 0) << local.output;
}

TEST_F(ServerTest, ASecondServerOnTheSamePortIsRefused) {
  start();
  auto other = Database::open(dir_ / "other");
  server::ServerOptions options;
  options.port = port_;
  server::Server second(*other, options);
  EXPECT_THROW(second.bind(), server::ServerError);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");  // the first still serves every request
}

}  // namespace
}  // namespace quiver::testing
