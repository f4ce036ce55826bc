// Many threads on one database, as the server runs them: readers beside updates and loads, cancellations
// from other threads, writers' admission, and HTTP clients at once. scripts/test.sh also runs this file under
// ThreadSanitizer.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/database.h"
#include "server/producer_fiber.h"
#include "server/server.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

using namespace std::chrono_literals;

// Rows counted, and the first value of the last row (for one-number results).
class CountingSink : public query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override {}
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>& values) override {
    ++rows;
    if (!values.empty() && values[0]) first = values[0]->value;
  }
  void boolean(bool value) override { first = value ? "true" : "false"; }
  void triple(const Term&, const Term&, const Term&) override { ++rows; }
  void finish() override {}
  uint64_t rows = 0;
  std::string first;
};

// Pairs of triples that always arrive together (one update, one file): a reader that sees an odd number saw
// half a commit.
std::string pairs(const std::string& tag, int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i)
    for (const char* side : {"a", "b"})
      text += "<http://e/" + tag + std::to_string(i) + side + "> <http://e/pair> \"" + tag +
              std::to_string(i) + "\" .\n";
  return text;
}

uint64_t count_pairs(const Database& database) {
  CountingSink sink;
  database.query("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://e/pair> ?o }", {}, sink);
  return std::stoull(sink.first);
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void open(DatabaseOptions options = {}) {
    database_ = Database::open(dir_ / "db", options);
    load_text("seed.nt", pairs("seed", 0, 200));
  }
  void load_text(const std::string& name, const std::string& text) {
    LoadOptions options;
    options.inputs = {write_file(dir_ / name, text)};
    options.threads = 2;
    options.memory_mib = 64;
    database_->load(options);
  }

  TempDir dir_;
  std::unique_ptr<Database> database_;
};

// 200 x 200 x 200 rows to count: far longer than any test waits.
constexpr const char* kEndless =
    "SELECT (COUNT(*) AS ?n) { ?a <http://e/pair> ?b . ?c <http://e/pair> ?d . ?e <http://e/pair> ?f }";

TEST_F(ConcurrencyTest, ReadersSeeWholeCommitsWhileUpdatesAndLoadsRun) {
  // A narrow term hash: new terms collide, so commits replace the collision table while readers encode.
  DatabaseOptions options;
  options.store.hash_bits = 10;
  open(options);
  constexpr int kUpdates = 30, kLoads = 3, kPairsPerLoad = 50;
  std::atomic<bool> writing = true;
  std::atomic<int> odd = 0, reads = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&, t] {
      while (writing) {
        if (count_pairs(*database_) % 2) ++odd;
        CountingSink sink;  // terms the writers are adding: ASK and DESCRIBE encode and decode them
        database_->query("DESCRIBE <http://e/u" + std::to_string(t) + "a>", {}, sink);
        database_->query("ASK { <http://e/load1_" + std::to_string(t) + "b> ?p ?o }", {}, sink);
        // The full-text index applies each commit whole too: both subjects of a pair, or neither.
        CountingSink hits;
        database_->query(
            "PREFIX fts: <http://aws.amazon.com/neptune/vocab/v01/services/fts#> SELECT ?s { "
            "SERVICE fts:search { fts:config fts:query 'u" +
                std::to_string(reads % 30) + " load0_" + std::to_string(reads % 50) +
                "' . fts:config fts:return ?s } }",
            {}, hits);
        if (hits.rows % 2) ++odd;
        ++reads;
      }
    });
  std::thread loader([&] {
    for (int l = 0; l < kLoads; ++l)
      load_text("load" + std::to_string(l) + ".nt",
                pairs("load" + std::to_string(l) + "_", 0, kPairsPerLoad));
  });
  for (int u = 0; u < kUpdates; ++u) {
    query::UpdateOptions sync_off;
    sync_off.sync = false;
    database_->update("INSERT DATA { " + pairs("u", u, u + 1) + " }", sync_off);
  }
  loader.join();
  writing = false;
  for (auto& r : readers) r.join();
  EXPECT_EQ(odd, 0) << "a reader saw half of a commit";
  EXPECT_GT(reads, 0);
  EXPECT_EQ(count_pairs(*database_), 2u * (200 + kUpdates + kLoads * kPairsPerLoad));
}

TEST_F(ConcurrencyTest, QueriesStopFromAnotherThreadForTheReasonGiven) {
  open();
  const std::vector<StopReason> reasons = {StopReason::Cancelled, StopReason::ClientGone,
                                           StopReason::ShuttingDown, StopReason::Timeout};
  std::vector<std::unique_ptr<Cancellation>> stops;
  std::vector<std::string> errors(reasons.size());
  std::vector<query::QueryError::Kind> kinds(reasons.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < reasons.size(); ++i) stops.push_back(std::make_unique<Cancellation>());
  for (size_t i = 0; i < reasons.size(); ++i) {
    threads.emplace_back([&, i] {
      query::QueryOptions options;
      options.cancellation = stops[i].get();
      if (reasons[i] == StopReason::Timeout) options.timeout = 200ms;
      CountingSink sink;
      try {
        database_->query(kEndless, options, sink);
      } catch (const query::QueryError& e) {
        errors[i] = e.what();
        kinds[i] = e.kind;
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  const auto cancelled_at = std::chrono::steady_clock::now();
  for (size_t i = 0; i + 1 < reasons.size(); ++i) stops[i]->cancel(reasons[i]);
  for (auto& t : threads) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);  // generous: sanitizers slow it down
  for (size_t i = 0; i < reasons.size(); ++i) {
    EXPECT_EQ(errors[i], "the query " + describe(reasons[i]));
    EXPECT_EQ(kinds[i], reasons[i] == StopReason::Timeout ? query::QueryError::Kind::Timeout
                                                          : query::QueryError::Kind::Cancelled);
  }
}

// A scan that skips many keys to find no match (a subject's quads in the default graph, when all of them are
// in a named graph) stops in the store's walk itself, before any operator sees a row.
TEST(Cancellation, StopsAStoreWalkWithinItsKeys) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "<http://e/hub> <http://e/p" + std::to_string(i) + "> <http://e/o" + std::to_string(i) +
            "> <http://e/g> .\n";
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "hub.nq", text)};
  load(*store, options);
  const QuadPattern pattern{*store->find(Term::iri("http://e/hub")), std::nullopt, std::nullopt,
                            kDefaultGraph};
  for (bool second : {false, true}) {  // the second scan walks the range the first kept in memory
    Cancellation stop;
    const ReadView view(*store, &stop);
    EXPECT_FALSE(view.scan(pattern).valid());  // running: the walk reaches the end of the subject's quads
    stop.cancel(StopReason::Cancelled);
    try {
      view.scan(pattern);
      FAIL() << "the walk went on after the cancellation" << (second ? " (in memory)" : "");
    } catch (const Stopped& s) {
      EXPECT_EQ(s.reason, StopReason::Cancelled);
    }
  }
}

// A thread makes a fiber for every response it streams, for as long as the server runs. Under
// ThreadSanitizer each fiber made used to leave a frame on the thread's shadow stack, which overflowed
// after 65,536 of them (a CHECK failure that ended the process).
TEST(ProducerFiber, AThreadMakesFibersWithoutEnd) {
  constexpr int kFibers = 70000;
  long chunks = 0;
  for (int i = 0; i < kFibers; ++i) {
    server::ProducerFiber fiber([](server::ProducerFiber& self) { self.emit("row"); });
    while (fiber.resume()) ++chunks;
  }
  EXPECT_EQ(chunks, kFibers);
}

TEST_F(ConcurrencyTest, StoppedLoadsAndUpdatesChangeNothing) {
  open();
  Cancellation stop;
  stop.cancel(StopReason::Cancelled);
  LoadOptions load;
  load.inputs = {write_file(dir_ / "more.nt", pairs("more", 0, 100))};
  load.cancellation = &stop;
  EXPECT_THROW(database_->load(load), Stopped);
  query::UpdateOptions update;
  update.cancellation = &stop;
  try {
    database_->update("INSERT { ?s <http://e/pair> \"x\" } WHERE { ?s <http://e/pair> ?o }", update);
    FAIL() << "the update ran";
  } catch (const query::QueryError& e) {
    EXPECT_EQ(e.kind, query::QueryError::Kind::Cancelled);
  }
  EXPECT_EQ(count_pairs(*database_), 400u);
}

TEST_F(ConcurrencyTest, AWriterWaitingPastItsTimeIsTurnedAwayBusy) {
  DatabaseOptions options;
  options.write_wait = 100ms;
  open(options);
  Cancellation stop_long;
  std::thread long_update([&] {
    query::UpdateOptions update;
    update.cancellation = &stop_long;
    EXPECT_THROW(
        database_->update(std::string("INSERT { ?a <http://e/x> ?c } WHERE { ") +
                              "?a <http://e/pair> ?b . ?c <http://e/pair> ?d . ?e <http://e/pair> ?f }",
                          update),
        query::QueryError);
  });
  std::this_thread::sleep_for(200ms);  // the long update holds the writer by now
  try {
    database_->update("INSERT DATA { <http://e/x> <http://e/y> <http://e/z> }", {});
    ADD_FAILURE() << "the second writer did not wait for the first";
  } catch (const DatabaseError& e) {
    EXPECT_EQ(e.kind, DatabaseError::Kind::Busy);
  }
  CountingSink sink;  // readers never wait for writers
  database_->query("ASK { ?s ?p ?o }", {}, sink);
  EXPECT_EQ(sink.first, "true");
  // A writer waiting for its turn is stopped by its cancellation, and a queued load job (Unbounded) waits
  // past write_wait, until the writer before it is done.
  Cancellation stop_waiting;
  std::thread waiting([&] {
    query::UpdateOptions update;
    update.cancellation = &stop_waiting;
    try {
      database_->update("INSERT DATA { <http://e/x> <http://e/y> <http://e/z> }", update);
      ADD_FAILURE() << "a cancelled writer got its turn";
    } catch (const query::QueryError& e) {
      EXPECT_EQ(e.kind, query::QueryError::Kind::Cancelled);
    }
  });
  stop_waiting.cancel(StopReason::Cancelled);
  waiting.join();
  std::atomic<bool> loaded = false;
  std::thread queued_load([&] {
    LoadOptions load;
    load.inputs = {write_file(dir_ / "one.nt", "<http://e/x> <http://e/y> <http://e/z> .\n")};
    database_->load(load, {}, Database::TurnWait::Unbounded);
    loaded = true;
  });
  std::this_thread::sleep_for(300ms);  // three times write_wait
  EXPECT_FALSE(loaded);
  stop_long.cancel(StopReason::Cancelled);
  long_update.join();
  queued_load.join();
  EXPECT_TRUE(loaded);
  EXPECT_EQ(count_pairs(*database_), 400u);
}

// Fifty HTTP clients querying at once while updates and a load job run, and one client cancels another's
// query by id: no errors, and every answer counts whole commits.
TEST_F(ConcurrencyTest, FiftyHttpClientsQueryWhileUpdatesAndALoadJobRun) {
  open();
  std::filesystem::create_directories(dir_ / "data");
  write_file(dir_ / "data" / "job.nt", pairs("job", 0, 500));
  server::ServerOptions options;
  options.port = 0;
  options.threads = 16;
  options.data_root = dir_ / "data";
  server::Server server(*database_, options);
  const int port = server.bind();
  std::thread serving([&] { server.run(); });
  auto client = [&] {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_read_timeout(60s);
    return c;
  };
  const std::string count_query =
      "/sparql?query=" +
      httplib::detail::encode_query_param("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://e/pair> ?o }");
  std::atomic<int> failures = 0, odd = 0;
  std::string job_status;  // the load job's status path, once posted
  std::vector<std::thread> clients;
  for (int t = 0; t < 50; ++t)
    clients.emplace_back([&] {
      auto c = client();
      for (int i = 0; i < 8; ++i) {
        auto r = c->Get(count_query, {{"Accept", "text/csv"}});
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        const std::string n = r->body.substr(r->body.find('\n') + 1);
        if (std::stoull(n) % 2) ++odd;
      }
    });
  std::thread updates([&] {
    auto c = client();
    auto job = c->Post("/loader", R"({"source": "job.nt", "format": "ntriples"})", "application/json");
    ASSERT_TRUE(job) << httplib::to_string(job.error());
    ASSERT_EQ(job->status, 200) << job->body;
    if (job) job_status = "/loader/" + job->body.substr(job->body.find("\"loadId\": \"") + 11, 36);
    for (int u = 0; u < 10; ++u) {
      auto r =
          c->Post("/sparql", "INSERT DATA { " + pairs("h", u, u + 1) + " }", "application/sparql-update");
      if (!r || r->status != 200) ++failures;
    }
  });
  std::thread endless([&] {
    auto r = client()->Get("/sparql?query=" + httplib::detail::encode_query_param(kEndless));
    EXPECT_TRUE(!r || r->status == 503 || r->body.empty()) << "the endless query was not stopped";
  });
  // Cancel the endless query by id once it is listed. Every request of this poller gets an answer (a fresh
  // connection was once closed unanswered when others waited for a thread: the errors are told).
  auto c = client();
  std::vector<std::string> dropped;
  auto answered = [&](const httplib::Result& r) -> const httplib::Response* {
    if (!r) dropped.push_back(httplib::to_string(r.error()));
    return r ? &*r : nullptr;
  };
  bool cancelled = false;
  for (int attempt = 0; attempt < 500 && !cancelled; ++attempt) {
    const httplib::Result listed = c->Get("/sparql/status");
    const std::string status = answered(listed) ? listed->body : "";
    const auto at = status.find("\"queryId\":\"");
    const auto endless_at = status.find("?e <http://e/pair> ?f");
    if (at != std::string::npos && endless_at != std::string::npos) {
      // The id of the entry that holds the endless query: the last id before its text.
      const auto id_at = status.rfind("\"queryId\":\"", endless_at) + 11;
      const std::string id = status.substr(id_at, status.find('"', id_at) - id_at);
      const httplib::Result cancel =
          c->Post("/sparql/status", "cmd=cancelQuery&queryId=" + id, "application/x-www-form-urlencoded");
      cancelled = answered(cancel) && cancel->status == 200;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(cancelled);
  for (auto& t : clients) t.join();
  updates.join();
  endless.join();
  for (int attempt = 0; attempt < 3000 && !job_status.empty(); ++attempt) {
    const httplib::Result job = c->Get(job_status);
    if (answered(job) && job->body.find("LOAD_COMPLETED") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(dropped.empty()) << "requests without an answer: " << ::testing::PrintToString(dropped);
  server.stop();
  serving.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(odd, 0);
  EXPECT_EQ(count_pairs(*database_), 2u * (200 + 10 + 500));
}

}  // namespace
}  // namespace quiver::testing
