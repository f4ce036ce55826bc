// SPARQL Update beyond the W3C suites: atomicity, exact statistics, readers beside a writer, crash safety,
// the memory limit, LOAD's data root and the quiver update command.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "loader/loader.h"
#include "query/query.h"
#include "query/update.h"
#include "tests/support/exact_statistics.h"
#include "tests/support/memory_file.h"
#include "tests/support/quiver_process.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

std::string triples(int from, int to, const std::string& predicate = "http://e/p") {
  std::string text;
  for (int i = from; i < to; ++i)
    text +=
        "<http://e/" + std::to_string(i) + "> <" + predicate + "> \"v" + std::to_string(i % 100) + "\" .\n";
  return text;
}

void seed(Store& store, const TempDir& dir, const std::string& text) {
  LoadOptions options;
  options.inputs = {write_file(dir / "seed.nt", text)};
  options.threads = 2;
  options.memory_mib = 64;
  load(store, options);
}

query::UpdateOptions no_sync() {
  query::UpdateOptions options;
  options.sync = false;
  return options;
}

// A store of 20,000 triples, updated within a memory limit of 1 MiB.
struct TightUpdate {
  TightUpdate() : store(Store::open(dir / "db")) {
    seed(*store, dir, triples(0, 20000));
    options.memory_limit = 1 << 20;
  }
  TempDir dir;
  std::unique_ptr<Store> store;
  query::UpdateOptions options = no_sync();
};

uint64_t count(const Store& store, const std::string& where) {
  MemoryFile out;
  auto writer = query::make_result_writer(query::ResultFormat::Csv, out.get());
  query::run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { " + where + " }", {}, *writer);
  const std::string text = out.text();
  return std::stoull(text.substr(text.find('\n') + 1));
}

TEST(Update, AFailingOperationLeavesNoTraceOfTheEarlierOnes) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  seed(*store, dir, triples(0, 50));
  const Statistics before = scanned_statistics(*store);
  EXPECT_THROW(
      query::run_update(*store,
                        "INSERT DATA { <http://e/x> <http://e/q> 1 . GRAPH <http://e/g> { <http://e/x> "
                        "<http://e/q> 2 } } ;\n"
                        "DELETE WHERE { ?s <http://e/p> ?o } ;\n"
                        "DROP GRAPH <http://e/missing>",
                        no_sync()),
      query::QueryError);
  expect_statistics_exact(*store);
  EXPECT_EQ(scanned_statistics(*store).predicates.size(), before.predicates.size());
  EXPECT_EQ(scanned_statistics(*store).quads, before.quads);
  EXPECT_EQ(count(*store, "?s ?p ?o"), 50u);
  EXPECT_FALSE(store->find(Term::iri("http://e/q")).has_value()) << "a term of the failed request was kept";
  // A syntax error in the last operation stops the request before anything runs.
  EXPECT_THROW(query::run_update(*store, "CLEAR DEFAULT ; INSERT DATA { <http://e/x> }", no_sync()),
               query::QueryError);
  EXPECT_EQ(count(*store, "?s ?p ?o"), 50u);
}

TEST(Update, StatisticsStayExactThroughInsertsDeletesAndGraphMoves) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  seed(*store, dir, triples(0, 200) + triples(100, 300, "http://e/r"));
  const char* requests[] = {
      "DELETE { ?s <http://e/p> ?o } INSERT { ?s <http://e/p2> ?o } WHERE { ?s <http://e/p> ?o FILTER(?o = "
      "\"v7\") }",
      "INSERT { GRAPH <http://e/g> { ?s ?p ?o } } WHERE { ?s <http://e/r> ?o BIND(<http://e/r> AS ?p) }",
      "DELETE DATA { <http://e/150> <http://e/r> \"v50\" } ; INSERT DATA { <http://e/150> <http://e/r> "
      "\"new\" }",
      "MOVE <http://e/g> TO <http://e/h> ; ADD <http://e/h> TO DEFAULT",
      "DELETE WHERE { ?s <http://e/p> \"v8\" } ; DROP GRAPH <http://e/h>",
  };
  for (const char* r : requests) {
    query::run_update(*store, r, no_sync());
    expect_statistics_exact(*store);
  }
  EXPECT_EQ(count(*store, "?s <http://e/p2> ?o"), 2u);
  EXPECT_EQ(count(*store, "GRAPH ?g { ?s ?p ?o }"), 0u);
}

TEST(Update, ReadersSeeTheStateBeforeOrAfterNeverBetween) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  seed(*store, dir, triples(0, 30000));
  std::atomic<bool> done{false};
  std::set<uint64_t> seen;
  std::thread reader([&] {
    while (!done) seen.insert(count(*store, "?s <http://e/copy> ?o"));
  });
  const ReadView before(*store);  // a snapshot taken before the update keeps its view after the commit
  query::run_update(*store, "INSERT { ?s <http://e/copy> ?o } WHERE { ?s <http://e/p> ?o }", no_sync());
  done = true;
  reader.join();
  for (uint64_t n : seen) EXPECT_TRUE(n == 0 || n == 30000) << "a reader saw " << n << " of 30000 copies";
  EXPECT_EQ(count(*store, "?s <http://e/copy> ?o"), 30000u);
  auto copy = before.find(Term::iri("http://e/copy"));
  EXPECT_FALSE(copy && before.scan({std::nullopt, copy, std::nullopt, std::nullopt}).valid());
}

// Rasqal's parser cannot take thousands of triples in one block; large data blocks go to it in chunks that
// must still form one operation: the same blank node label is one node throughout.
TEST(Update, LargeDataBlocksArriveWhole) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string request = "PREFIX e: <http://e/>\nINSERT DATA {\n";
  for (int i = 0; i < 2500; ++i) request += "e:s" + std::to_string(i) + " e:p _:shared .\n";
  request += "GRAPH e:g {\n";
  for (int i = 0; i < 2500; ++i) request += "e:t" + std::to_string(i) + " e:q " + std::to_string(i) + " .\n";
  request += "} }";
  auto report = query::run_update(*store, request, no_sync());
  EXPECT_EQ(report.inserted, 5000u);
  EXPECT_EQ(report.operations, 1u);
  EXPECT_EQ(count(*store, "?s <http://e/p> ?o"), 2500u);
  EXPECT_EQ(count(*store, "SELECT DISTINCT ?o WHERE { ?s <http://e/p> ?o }"), 1u);
  EXPECT_EQ(count(*store, "GRAPH <http://e/g> { ?s <http://e/q> ?o }"), 2500u);
  // An error deep in a chunk is reported on its own line.
  std::string bad = "INSERT DATA {\n";
  for (int i = 0; i < 1500; ++i) bad += "<http://e/x" + std::to_string(i) + "> <http://e/p> 1 .\n";
  bad += "<http://e/y> <http://e/p> .\n}";
  try {
    query::run_update(*store, bad, no_sync());
    FAIL() << "a triple without an object was accepted";
  } catch (const query::QueryError& e) {
    EXPECT_EQ(e.line, 1502) << e.what();
  }
}

// Graphs exist while they have quads or since CREATE GRAPH; DROP ALL forgets the empty ones too.
TEST(Update, CreatedGraphsExistUntilDropped) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  query::run_update(*store, "CREATE GRAPH <http://e/empty>", no_sync());
  EXPECT_THROW(query::run_update(*store, "CREATE GRAPH <http://e/empty>", no_sync()), query::QueryError);
  query::run_update(*store, "CLEAR GRAPH <http://e/empty>", no_sync());  // exists: no error
  query::run_update(*store, "DROP ALL", no_sync());
  EXPECT_THROW(query::run_update(*store, "DROP GRAPH <http://e/empty>", no_sync()), query::QueryError);
  query::run_update(*store, "CREATE GRAPH <http://e/empty> ; DROP NAMED ; CREATE GRAPH <http://e/empty>",
                    no_sync());
}

// The last operation's changes spill to disk: its size is not bounded by the memory limit.
TEST(Update, ALargeLastOperationSpillsToDisk) {
  TightUpdate tight;
  Store& store = *tight.store;
  const auto report = query::run_update(
      store,
      "DELETE { ?s <http://e/p> ?o } INSERT { ?s <http://e/moved> ?o ; <http://e/copy> ?o } "
      "WHERE { ?s <http://e/p> ?o }",
      tight.options);
  EXPECT_EQ(report.inserted, 40000u);
  EXPECT_EQ(report.deleted, 20000u);
  EXPECT_EQ(count(store, "?s <http://e/p> ?o"), 0u);
  EXPECT_EQ(count(store, "?s <http://e/moved> ?o"), 20000u);
  expect_statistics_exact(store);
  for (const auto& entry : std::filesystem::directory_iterator(tight.dir / "db"))
    EXPECT_FALSE(entry.path().filename().string().starts_with("staging-")) << "left behind: " << entry.path();
}

// Each process that opens the store for one small update leaves a level-0 file per column family; closing
// writers merge them, so they do not pile up across many short-lived updates.
TEST(Update, ShortLivedWritersDoNotPileUpLevelZeroFiles) {
  TempDir dir;
  for (int i = 0; i < 40; ++i) {
    auto store = Store::open(dir / "db");
    query::run_update(
        *store, "INSERT DATA { <http://e/" + std::to_string(i) + "> <http://e/p> " + std::to_string(i) + " }",
        no_sync());
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "db"))
    files += entry.path().extension() == ".sst";
  // Without the merge, 40 updates leave about 120; with it, each of the six column families keeps a few
  // level-0 files and whatever background compactions made of the rest.
  EXPECT_LE(files, 6u * 8u);
  auto store = Store::open(dir / "db");
  EXPECT_EQ(count(*store, "?s <http://e/p> ?o"), 40u);
}

// Changes an operation's successors must read stay in memory, within the limit.
TEST(Update, AnUpdateOverItsMemoryLimitFailsCleanly) {
  TightUpdate tight;
  Store& store = *tight.store;
  try {
    query::run_update(store,
                      "INSERT { ?s <http://e/copy> ?o } WHERE { ?s <http://e/p> ?o } ;"
                      "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
                      tight.options);
    FAIL() << "20000 changes fitted in 1 MiB";
  } catch (const query::QueryError& e) {
    EXPECT_NE(std::string(e.what()).find("memory limit"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count(store, "?s ?p ?o"), 20000u);
}

TEST(Update, LoadReadsOnlyUnderTheDataRoot) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::filesystem::create_directories(dir / "root");
  const auto inside = write_file(dir / "root" / "a.nt", triples(0, 3));
  const auto outside = write_file(dir / "b.nt", triples(0, 3));
  query::UpdateOptions options = no_sync();
  options.data_root = dir / "root";
  EXPECT_THROW(query::run_update(*store, "LOAD <file://" + outside.string() + ">", options),
               query::QueryError);
  EXPECT_THROW(query::run_update(*store, "LOAD <file://" + (dir / "root/../b.nt").string() + ">", options),
               query::QueryError);
  query::run_update(*store, "LOAD SILENT <file://" + (dir / "root/none.nt").string() + ">", options);
  // What the server may not read and what is not there are told apart (the endpoint answers 403 and 404).
  auto kind_of = [&](const std::string& update) {
    try {
      query::run_update(*store, update, options);
    } catch (const query::QueryError& e) {
      return e.kind;
    }
    return query::QueryError::Kind::Invalid;
  };
  EXPECT_EQ(kind_of("LOAD <file://" + outside.string() + ">"), query::QueryError::Kind::Forbidden);
  EXPECT_EQ(kind_of("LOAD <file://" + (dir / "root/none.nt").string() + ">"),
            query::QueryError::Kind::NotFound);
  query::run_update(*store, "LOAD <file://" + inside.string() + "> INTO GRAPH <http://e/g>", options);
  EXPECT_EQ(count(*store, "GRAPH <http://e/g> { ?s ?p ?o }"), 3u);
  // file:NAME is relative to the data root; a relative IRI without file: says how to write one.
  query::run_update(*store, "LOAD <file:a.nt> INTO GRAPH <http://e/h>", options);
  EXPECT_EQ(count(*store, "GRAPH <http://e/h> { ?s ?p ?o }"), 3u);
  EXPECT_THROW(query::run_update(*store, "LOAD <file:../b.nt>", options), query::QueryError);
  write_file(dir / "root" / "my data.nt", triples(10, 12));
  query::run_update(*store, "LOAD <FILE:my%20data.nt> INTO GRAPH <http://e/i>", options);
  EXPECT_EQ(count(*store, "GRAPH <http://e/i> { ?s ?p ?o }"), 2u);
  try {
    query::run_update(*store, "LOAD <a.nt>", options);
    ADD_FAILURE() << "a relative IRI was loaded";
  } catch (const query::QueryError& e) {
    EXPECT_NE(std::string(e.what()).find("write <file:NAME>"), std::string::npos) << e.what();
  }
  options.data_root.clear();
  EXPECT_THROW(query::run_update(*store, "LOAD <file://" + inside.string() + ">", options),
               query::QueryError);
}

TEST(UpdateCommand, KilledMidwayLeavesTheStoreUnchanged) {
  TempDir dir;
  const auto db = dir / "db";
  {
    auto store = Store::open(db);
    seed(*store, dir, triples(0, 400000));
  }
  const char* bin = std::getenv("QUIVER_BIN");
  ASSERT_NE(bin, nullptr) << "QUIVER_BIN is not set";
  pid_t pid = fork();
  if (pid == 0) {  // a small memory limit: the changes spill to disk, so the kill lands mid-way
    execl(bin, bin, "update", "--db", db.c_str(), "--memory-limit", "8", "--no-sync",
          "INSERT { ?s <http://e/copy> ?o } WHERE { ?s ?p ?o }", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto spilled = [&] {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(db))
      if (entry.path().extension() == ".bin") return true;
    return false;
  };
  int status = 0;
  while (!spilled() && waitpid(pid, &status, WNOHANG) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the update finished before it could be killed";
  auto store = Store::open(db);
  EXPECT_EQ(count(*store, "?s <http://e/copy> ?o"), 0u);
  EXPECT_EQ(store->statistics().quads, 400000u);
}

// A large update's changes live on disk, not in memory: eight times the changes, about the same peak.
TEST(UpdateCommand, MemoryStaysBoundedAsTheChangeSetGrows) {
  TempDir dir;
  auto peak_mib = [&](int n) {
    const auto db = dir / ("db" + std::to_string(n));
    seed(*Store::open(db), dir, triples(0, n));
    const auto run = run_quiver_direct({"update", "--db", db.string(), "--memory-limit", "8", "--cache", "4",
                                        "--no-sync", "INSERT { ?s <http://e/copy> ?o } WHERE { ?s ?p ?o }"});
    EXPECT_EQ(run.code, 0) << run.output;
    const auto at = run.output.find("peak memory ");
    EXPECT_NE(at, std::string::npos) << run.output;
    return at == std::string::npos ? 0 : std::stol(run.output.substr(at + 12));
  };
  const long small = peak_mib(50000), large = peak_mib(400000);
  EXPECT_GT(small, 0);
  EXPECT_LT(large - small, 16) << "the peak grew from " << small << " MiB to " << large << " MiB";
}

TEST(UpdateCommand, AnAcknowledgedUpdateSurvivesAKill) {
  TempDir dir;
  const auto db = dir / "db";
  Store::open(db);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {  // commits, says so, then waits to be killed: no clean shutdown, no flush
    auto store = Store::open(db);
    query::run_update(*store, "INSERT DATA { <http://e/a> <http://e/b> \"kept\" }", {});
    (void)!write(fds[1], "y", 1);
    pause();
    _exit(0);
  }
  char ack = 0;
  ASSERT_EQ(read(fds[0], &ack, 1), 1);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  auto store = Store::open(db);
  EXPECT_EQ(count(*store, "<http://e/a> <http://e/b> \"kept\""), 1u);
  expect_statistics_exact(*store);
}

// A file-size limit makes every write past 1 MiB fail, as a full disk does: the update fails with a clear
// message and the store reopens as it was. Both ways of committing: a batch through the write-ahead log
// (10k triples) and ingested files (60k, with values that do not compress).
TEST(UpdateCommand, AFullDiskFailsCleanlyAndLeavesTheStoreUnchanged) {
  TempDir dir;
  const auto db = dir / "db";
  {
    auto store = Store::open(db);
    seed(*store, dir, triples(0, 10));
  }
  for (int size : {10000, 60000}) {
    std::string request = "INSERT DATA {\n";
    for (int i = 0; i < size; ++i)
      request += "<http://e/new" + std::to_string(i) + "> <http://e/p> \"" +
                 std::to_string(std::hash<int>()(i) * 0x9E3779B97F4A7C15ULL) + std::to_string(i * 7919) +
                 " a value long enough to fill the disk\" .\n";
    const auto file = write_file(dir / "big.ru", request + "}");
    auto [code, err] =
        run_quiver_with_full_disk({"update", "--db", db.string(), "--file", file.string()}, 1 << 20);
    EXPECT_EQ(code, 1) << size << " triples: quiver did not fail cleanly: " << err;
    EXPECT_NE(err.find("nothing was changed"), std::string::npos) << err;
    auto store = Store::open(db);
    EXPECT_EQ(count(*store, "?s ?p ?o"), 10u);
    expect_statistics_exact(*store);
  }
}

TEST(UpdateCommand, ReportsChangesPerGraphAndRefusesBadInput) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  Store::open(db);
  auto ok = run_quiver("update --db " + db +
                       " 'INSERT DATA { <http://e/a> <http://e/b> 1 . GRAPH <http://e/g> { <http://e/a> "
                       "<http://e/b> 2 } }'");
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_NE(ok.output.find("default graph"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("<http://e/g>"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("1 operation: 2 triples inserted, 0 deleted"), std::string::npos) << ok.output;
  auto bad = run_quiver("update --db " + db + " 'INSERT DATA { <http://e/a> }'");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("line 1"), std::string::npos) << bad.output;
  auto query_text = run_quiver("update --db " + db + " 'SELECT * WHERE { ?s ?p ?o }'");
  EXPECT_EQ(query_text.code, 1);
  auto fresh = run_quiver("update --db " + (dir / "none").string() + " 'CLEAR ALL'");
  EXPECT_EQ(fresh.code, 0) << fresh.output;  // a new path gets an empty store
  EXPECT_NE(fresh.output.find("created an empty store"), std::string::npos) << fresh.output;
  EXPECT_EQ(run_quiver("update --db " + db).code, 2);
}

}  // namespace
}  // namespace quiver::testing
