// Loader: atomicity, skip mode, set semantics, gzip, bad input, and a load killed half-way.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <sys/resource.h>

#include <chrono>
#include <thread>

#include "loader/loader.h"
#include "tests/support/quiver_process.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

std::string lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i)
    text += "<http://e/" + std::to_string(i) + "> <http://p/" + std::to_string(i % 7) + "> \"v" +
            std::to_string(i) + "\" .\n";
  return text;
}

LoadOptions options_for(std::vector<std::filesystem::path> inputs) {
  LoadOptions options;
  options.inputs = std::move(inputs);
  options.threads = 2;
  options.memory_mib = 64;
  return options;
}

uint64_t quads(const Store& store) {
  return store.statistics().quads;
}

void write_gzip(const std::filesystem::path& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

TEST(Loader, AnErrorInTheLastLineLeavesTheStoreUnchanged) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  load(*store, options_for({write_file(dir / "base.nt", lines(0, 100))}));
  ASSERT_EQ(quads(*store), 100u);
  auto bad = write_file(dir / "bad.nt", lines(100, 5000) + "<http://e/x> <http://p/x> oops .\n");
  try {
    load(*store, options_for({bad}));
    FAIL() << "the load succeeded";
  } catch (const LoadError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.nt:4901"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nothing was loaded"), std::string::npos) << msg;
  }
  EXPECT_EQ(quads(*store), 100u);
  EXPECT_FALSE(store->find(Term::iri("http://e/200")).has_value());
}

TEST(Loader, SkipModeLoadsTheRestAndReportsEveryRejectedLine) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  auto file =
      write_file(dir / "mixed.nt", lines(0, 10) + "<http://e/a> <http://p/a> bad1 .\n" + lines(10, 20) +
                                       "<http://e/b> \"literal predicate\" <http://o> .\n" + lines(20, 30));
  LoadOptions options = options_for({file});
  options.on_error = OnError::Skip;
  options.rejects_path = dir / "rejects.txt";
  LoadReport report = load(*store, options);
  EXPECT_EQ(report.rejected, 2u);
  EXPECT_EQ(report.triples_added, 30u);
  EXPECT_EQ(quads(*store), 30u);
  std::ifstream in(options.rejects_path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("mixed.nt:11:"), std::string::npos) << content;
  EXPECT_NE(content.find("mixed.nt:22:"), std::string::npos) << content;
  EXPECT_NE(content.find("bad1"), std::string::npos) << content;  // the offending line is quoted
}

TEST(Loader, LoadingTheSameDataTwiceAddsNothing) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  auto file = write_file(dir / "a.nt", lines(0, 1000) + lines(0, 10));  // duplicates inside the file too
  LoadReport first = load(*store, options_for({file}));
  EXPECT_EQ(first.triples_added, 1000u);
  EXPECT_EQ(first.duplicates, 10u);
  LoadReport second = load(*store, options_for({file}));
  EXPECT_EQ(second.triples_added, 0u);
  EXPECT_EQ(second.duplicates, 1010u);
  EXPECT_EQ(quads(*store), 1000u);
}

TEST(Loader, LoadsIntoANonEmptyStoreAndIntoANamedGraph) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  load(*store, options_for({write_file(dir / "a.nt", lines(0, 500))}));
  LoadOptions options = options_for({write_file(dir / "b.nt", lines(250, 750))});
  LoadReport r = load(*store, options);
  EXPECT_EQ(r.triples_added, 250u);
  EXPECT_EQ(quads(*store), 750u);
  options.graph_iri = "http://graphs/g1";
  r = load(*store, options);
  EXPECT_EQ(r.triples_added, 500u);  // same triples, another graph
  auto g = store->find(Term::iri("http://graphs/g1"));
  ASSERT_TRUE(g);
  EXPECT_EQ(store->statistics().graphs[*g], 500u);
}

TEST(Loader, ReadsGzipTurtleAndDirectories) {
  TempDir dir;
  std::filesystem::create_directories(dir / "in" / "sub");
  write_gzip(dir / "in" / "a.nt.gz", lines(0, 300));
  write_file(dir / "in" / "sub" / "b.ttl", "@prefix e: <http://e/> .\ne:x e:p e:y , e:z ; e:q [ e:r 1 ] .\n");
  write_file(dir / "in" / "README.md", "not RDF, skipped by the directory walk");
  auto store = Store::open(dir / "db");
  LoadReport r = load(*store, options_for({dir / "in"}));
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(r.triples_added, 304u);
}

// Everything in a store, as sorted N-Quads lines with blank node labels blanked out.
std::vector<std::string> dump_lines(const Store& store) {
  std::vector<std::string> out;
  for (auto c = store.scan({}); c.valid(); c.next()) {
    std::string line;
    for (TermId id : {c.quad().s, c.quad().p, c.quad().o, c.quad().g}) {
      if (id == kDefaultGraph) continue;
      Term t = *store.term(id);
      line += t.kind == TermKind::Blank ? "_:b" : to_ntriples(t);
      line += ' ';
    }
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Loader, ATinyMemoryBudgetSpillsRunsToDiskAndGivesTheSameStore) {
  TempDir dir;
  std::string text = lines(0, 120000);
  for (int i = 0; i < 40000; ++i)
    text += "<http://e/" + std::to_string(i * 7 % 1000) + "> <http://q> <http://e/" + std::to_string(i) +
            "> <http://g/" + std::to_string(i % 3) + "> .\n";
  text += lines(0, 5000);  // duplicates that land in different runs
  auto file = write_file(dir / "data.nq", text);

  auto roomy = Store::open(dir / "roomy");
  LoadOptions options = options_for({file});
  LoadReport expected = load(*roomy, options);

  auto tight = Store::open(dir / "tight");
  options.memory_mib = 2;  // a few thousand quads per run: every sorter spills many runs
  LoadReport got = load(*tight, options);
  EXPECT_EQ(got.triples_added, expected.triples_added);
  EXPECT_EQ(got.duplicates, 5000u);
  EXPECT_EQ(dump_lines(*tight), dump_lines(*roomy));
  EXPECT_EQ(tight->statistics().predicates.size(), roomy->statistics().predicates.size());
  EXPECT_EQ(tight->statistics().graphs, roomy->statistics().graphs);
}

void expect_load_error(const std::filesystem::path& path, const std::string& expected_text) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  try {
    load(*store, options_for({path}));
    FAIL() << "loading " << path << " succeeded";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find(expected_text), std::string::npos) << e.what();
  }
  EXPECT_EQ(quads(*store), 0u);
}

TEST(Loader, BadInputGetsAClearError) {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  expect_load_error(write_file(dir / "garbage.nt", garbage), "garbage.nt:");
  write_gzip(dir / "full.nt.gz", lines(0, 20000));
  auto size = std::filesystem::file_size(dir / "full.nt.gz");
  std::filesystem::resize_file(dir / "full.nt.gz", size / 2);
  expect_load_error(dir / "full.nt.gz", "truncated");
  expect_load_error(dir / "does-not-exist.nt", "no such file");
  expect_load_error(write_file(dir / "data.unknown", lines(0, 3)), "--format");
}

TEST(LoadCommand, ADatabasePathThatIsAFileFailsWithAClearMessage) {
  TempDir dir;
  write_file(dir / "db", "x");
  auto [code, out] =
      run_quiver("load --db " + (dir / "db").string() + " " + write_file(dir / "a.nt", lines(0, 3)).string());
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("it is a file, not a directory"), std::string::npos) << out;
}

TEST(LoadCommand, KilledMidwayLeavesAnOpenableUnchangedStoreAndASecondProcessIsRefused) {
  TempDir dir;
  const auto db = dir / "db";
  {
    auto store = Store::open(db);
    load(*store, options_for({write_file(dir / "seed.nt", lines(0, 10))}));
  }
  // Big enough to take a few seconds.
  {
    std::ofstream big(dir / "big.nt");
    for (int chunk = 0; chunk < 60; ++chunk) big << lines(chunk * 50000, (chunk + 1) * 50000);
  }
  const char* bin = std::getenv("QUIVER_BIN");
  ASSERT_NE(bin, nullptr) << "QUIVER_BIN is not set";
  pid_t pid = fork();
  if (pid == 0) {
    execl(bin, bin, "load", "-q", "--db", db.c_str(), (dir / "big.nt").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // A second writer is refused; statistics read beside the load.
  auto [code, out] = run_quiver("update --db " + db.string() + " 'INSERT DATA { <http://a> <http://b> 1 }'");
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("in use by another process"), std::string::npos) << out;
  EXPECT_EQ(run_quiver("stats --db " + db.string()).code, 0);
  // Queries open read-only: they run beside the load and see the store as it was before it.
  auto query =
      run_quiver("query --db " + db.string() + " --format csv 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'");
  EXPECT_EQ(query.code, 0) << query.output;
  EXPECT_EQ(query.output, "n\r\n10\r\n");

  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the load finished before it could be killed";
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  auto store = Store::open(db);
  EXPECT_EQ(quads(*store), 10u);
  for (auto& entry : std::filesystem::directory_iterator(db))
    EXPECT_FALSE(entry.path().filename().string().starts_with("staging-")) << "staging files left behind";
}

TEST(LoadCommand, AFullDiskFailsCleanlyAndLeavesTheStoreUnchanged) {
  TempDir dir;
  const auto db = dir / "db";
  {
    auto store = Store::open(db);
    load(*store, options_for({write_file(dir / "seed.nt", lines(0, 10))}));
  }
  write_file(dir / "big.nt", lines(0, 300000));
  auto [code, err] =
      run_quiver_with_full_disk({"load", "-q", "--db", db.string(), (dir / "big.nt").string()}, 2 << 20);
  EXPECT_EQ(code, 1) << "quiver did not fail cleanly: " << err;
  EXPECT_NE(err.find("nothing was loaded"), std::string::npos) << err;
  auto store = Store::open(db);
  EXPECT_EQ(quads(*store), 10u);
}

}  // namespace
}  // namespace quiver::testing
