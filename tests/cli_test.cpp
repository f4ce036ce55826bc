// The quiver command: exit codes and messages, and dump as an exact round trip of a load.
#include <gtest/gtest.h>
#include "store/store.h"
#include "tests/support/quiver_process.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

const char* kData = R"(@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:label "plain", "chat"@fr, "tab\there \"quoted\" ünïcode", "multi\nline" ;
     ex:count 42, "01"^^xsd:integer, "2.50"^^xsd:decimal, 1.5e2 ;
     ex:when "2024-02-29"^^xsd:date, "2020-01-02T03:04:05.5Z"^^xsd:dateTime ;
     ex:custom "x"^^ex:type ;
     ex:node [ ex:p ex:b ; ex:q [ ex:r "deep" ] ] .
)";

TEST(Cli, DumpGivesBackExactlyWhatWasLoaded) {
  TempDir dir;
  auto input = write_file(dir / "in.ttl", kData);
  const std::string db = (dir / "db").string();
  CommandResult load = run_quiver("load -q --db " + db + " " + input.string());
  ASSERT_EQ(load.code, 0) << load.output;
  EXPECT_NE(load.output.find("15 statements read = 15 added"), std::string::npos) << load.output;
  CommandResult dump = run_quiver("dump --db " + db + " -o " + (dir / "out.nq").string());
  ASSERT_EQ(dump.code, 0) << dump.output;
  auto original = parse_document(input, RdfFormat::Turtle, "http://base/");
  auto dumped = parse_document(dir / "out.nq", RdfFormat::NQuads, "http://base/");
  ASSERT_TRUE(dumped.errors.empty()) << dumped.errors[0].to_string();
  EXPECT_TRUE(isomorphic(original.quads, dumped.quads)) << "loaded:\n"
                                                        << describe(original.quads) << "dumped:\n"
                                                        << describe(dumped.quads);
  CommandResult turtle = run_quiver("dump --db " + db + " --format turtle -o " + (dir / "out.ttl").string());
  ASSERT_EQ(turtle.code, 0) << turtle.output;
  auto reparsed = parse_document(dir / "out.ttl", RdfFormat::Turtle, "http://base/");
  EXPECT_TRUE(isomorphic(original.quads, reparsed.quads)) << describe(reparsed.quads);
}

TEST(Cli, BadInvocationsExitNonZeroWithAClearMessage) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  struct Case {
    std::string args;
    int code;
    std::string message;
  } cases[] = {
      {"", 2, "Usage: quiver <command>"},
      {"frobnicate", 2, "unknown command 'frobnicate'"},
      {"load --db " + db, 2, "no input files"},
      {"load " + write_file(dir / "a.nt", "<http://a> <http://b> <http://c> .\n").string(), 2, "--db"},
      {"load --db " + db + " --on-error maybe " + (dir / "a.nt").string(), 2,
       "--on-error must be abort or skip"},
      {"load --db " + db + " " + (dir / "missing.nt").string(), 1, "no such file or directory"},
      {"load --db " + db + " " + write_file(dir / "empty.nt", "").string(), 0,
       "empty.nt holds no statements"},
      {"load --db " + db + " " + write_file(dir / "bad.nt", "<http://a> <http://b> .\n").string(), 1,
       "bad.nt:1"},
      {"stats --db " + (dir / "nowhere").string(), 1, "no store at"},
      {"dump --db " + db + " --format pdf", 2, "unknown --format"},
  };
  for (const Case& c : cases) {
    CommandResult r = run_quiver(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST(Cli, WrongGraphsFormatsAndLimitsAreRefusedClearly) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  auto quads = write_file(dir / "g.nq", "<http://a> <http://b> <http://c> <http://g> .\n");
  ASSERT_EQ(run_quiver("load -q --db " + db + " " + quads.string()).code, 0);
  const auto unknown = write_file(dir / "unknown.conf", "# settings\nport = 7000\nthreds = 4\n");
  const auto bad = write_file(dir / "bad.conf", "db = " + db + "\nthreads = 0\n");
  struct Case {
    std::string args;
    int code;
    std::string message;
  } cases[] = {
      {"load --db " + db + " --graph relative/name " + quads.string(), 1, "--graph needs an absolute IRI"},
      {"dump --db " + db + " --format ntriples", 2, "holds one graph but the store has named graphs"},
      {"dump --db " + db + " --graph http://nowhere", 1, "the store has no graph <http://nowhere>"},
      {"query --db " + db + " --timeout 0 'ASK {}'", 2, "--timeout must be a number from 0.001"},
      {"query --db " + db + " --memory-limit -1 'ASK {}'", 2, "--memory-limit must be a whole number from 1"},
      {"update --db " + db + " --cache -5 'INSERT DATA {}'", 2, "--cache must be a whole number from 0"},
      {"update --db " + db + " --timeout 5s 'INSERT DATA {}'", 2, "got '5s'"},
      {"load --db " + db + " --threads -1 " + quads.string(), 2,
       "--threads must be a whole number from 0 to 1024"},
      {"load --db " + db + " --memory 10 " + quads.string(), 2, "--memory must be a whole number from 64"},
      {"stats --db " + db + " --top -3", 2, "--top must be a whole number"},
      {"serve --config " + unknown.string(), 2, unknown.string() + ": unrecognised option 'threds'"},
      {"serve --config " + bad.string(), 2, "--threads must be a whole number from 1"},
      {"serve --config " + (dir / "missing.conf").string(), 2, "cannot read the config file"},
      {"query --db " + db + " --format ntriples 'SELECT * WHERE { ?s ?p ?o }'", 1,
       "holds graphs, not solutions"},
      {"query --db " + db + " --format json 'CONSTRUCT WHERE { ?s ?p ?o }'", 1,
       "holds solutions, not graphs"},
  };
  for (const Case& c : cases) {
    CommandResult r = run_quiver(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  // None of the refused commands changed the store.
  CommandResult stats = run_quiver("stats --db " + db);
  EXPECT_NE(stats.output.find("quads: 1"), std::string::npos) << stats.output;
}

TEST(Cli, HelpExplainsEveryCommand) {
  for (const char* command : {"init", "load", "query", "update", "stats", "dump"}) {
    CommandResult r = run_quiver(std::string(command) + " --help");
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.output.find("Usage: quiver " + std::string(command)), std::string::npos) << r.output;
  }
}

TEST(Cli, TheFullTextIndexIsSearchedShownAndRebuiltFromTheShell) {
  TempDir dir;
  auto input = write_file(dir / "in.ttl", kData);
  const std::string db = (dir / "db").string();
  ASSERT_EQ(run_quiver("load -q --db " + db + " " + input.string()).code, 0);
  for (const char* command : {"search", "status", "rebuild"}) {
    CommandResult r = run_quiver(std::string("fts ") + command + " --help");
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.output.find("Usage: quiver fts " + std::string(command)), std::string::npos) << r.output;
  }
  CommandResult found = run_quiver("fts search --db " + db + " deep");
  EXPECT_EQ(found.code, 0) << found.output;
  EXPECT_NE(found.output.find("1 subject"), std::string::npos) << found.output;
  // The subject of "deep" is a blank node: the index holds blank nodes too.
  EXPECT_NE(found.output.find("_:"), std::string::npos) << found.output;
  CommandResult status = run_quiver("fts status --db " + db);
  EXPECT_NE(status.output.find("documents: 2\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("behind by: 0 commits"), std::string::npos) << status.output;
  CommandResult rebuilt = run_quiver("fts rebuild --db " + db);
  EXPECT_EQ(rebuilt.code, 0) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("indexed: 2 subjects with text"), std::string::npos) << rebuilt.output;
  EXPECT_EQ(run_quiver("fts search --db " + db + " deep --type nearest").code, 2);
  EXPECT_EQ(run_quiver("fts").code, 2);
}

TEST(Cli, AStoreCanBeCreatedEmptyAndAFailedLoadLeavesNoStoreBehind) {
  TempDir dir;
  const std::string made = (dir / "made").string();
  CommandResult init = run_quiver("init --db " + made);
  EXPECT_EQ(init.code, 0) << init.output;
  EXPECT_NE(init.output.find("created an empty store"), std::string::npos) << init.output;
  EXPECT_NE(run_quiver("init --db " + made).output.find("already holds a store"), std::string::npos);
  EXPECT_NE(run_quiver("query --db " + made + " 'ASK { ?s ?p ?o }'").output.find("false"), std::string::npos);

  const std::string by_update = (dir / "by-update").string();
  CommandResult update =
      run_quiver("update --db " + by_update + " 'INSERT DATA { <http://a> <http://b> <http://c> }'");
  EXPECT_EQ(update.code, 0) << update.output;
  EXPECT_NE(run_quiver("stats --db " + by_update).output.find("quads: 1"), std::string::npos);

  const std::string failed = (dir / "failed").string();
  auto bad = write_file(dir / "bad.nt", "<http://a> <http://b> oops .\n");
  EXPECT_EQ(run_quiver("load --db " + failed + " " + bad.string()).code, 1);
  EXPECT_FALSE(std::filesystem::exists(failed));
}

TEST(Cli, SmallConveniences) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  CommandResult version = run_quiver("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.output.find("quiver "), std::string::npos) << version.output;

  auto triples = write_file(dir / "t.nt", "<http://a> <http://b> \"c\"@en-GB .\n");
  ASSERT_EQ(run_quiver("load -q --db " + db + " --graph default " + triples.string()).code, 0);
  EXPECT_NE(run_quiver("dump --db " + db + " --graph default").output.find("\"c\"@en-GB"), std::string::npos);

  // CONSTRUCT and DESCRIBE without --format give Turtle that reads back.
  for (const std::string query : {"CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <http://a>"}) {
    CommandResult r = run_quiver("query --db " + db + " '" + query + "'");
    ASSERT_EQ(r.code, 0) << r.output;
    auto parsed = parse_document(write_file(dir / "out.ttl", r.output), RdfFormat::Turtle, "http://base/");
    EXPECT_TRUE(parsed.errors.empty()) << r.output;
    EXPECT_EQ(parsed.quads.size(), 1u) << r.output;
  }
}

TEST(Cli, StatisticsAndDumpsRunWhileAnotherProcessWritesTheStore) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  ASSERT_EQ(run_quiver("load -q --db " + db + " " +
                       write_file(dir / "t.nt", "<http://a> <http://b> <http://c> .\n").string())
                .code,
            0);
  auto writer = Store::open(db);  // holds the store's lock, as a running load does
  CommandResult stats = run_quiver("stats --db " + db);
  EXPECT_EQ(stats.code, 0) << stats.output;
  EXPECT_NE(stats.output.find("quads: 1"), std::string::npos) << stats.output;
  EXPECT_EQ(run_quiver("dump --db " + db).code, 0);
}

}  // namespace
}  // namespace quiver::testing
