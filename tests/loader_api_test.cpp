// `quiver serve`'s loader API at /loader, in Amazon Neptune's shape, through a real HTTP client: a job's life
// from POST to LOAD_COMPLETED, errors in both failOnError modes, cancellation, dependencies, sources outside
// the data root, and the record a restarted server reads.
#include <nlohmann/json.hpp>

#include "tests/support/live_server.h"

namespace quiver::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class LoaderApiTest : public ServerTest {
 protected:
  void start_with_data_root() {
    std::filesystem::create_directories(dir_ / "data" / "bucket" / "daily");
    server::ServerOptions options;
    options.data_root = dir_ / "data";
    start(options);
  }
  std::string post(const json& body, int expected_status = 200) {
    auto r = client_->Post("/loader", body.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, expected_status) << r->body;
    const json answer = json::parse(r->body);
    return expected_status == 200 ? answer.at("payload").at("loadId").get<std::string>()
                                  : answer.at("detailedMessage").get<std::string>();
  }
  // The job's status document once it has ended.
  json ended(const std::string& id, const std::string& query = "") {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const json doc = json::parse(client_->Get("/loader/" + id + query)->body);
      const std::string status = doc.at("payload").at("overallStatus").at("status");
      if (status != "LOAD_IN_QUEUE" && status != "LOAD_IN_PROGRESS") return doc;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "the load " << id << " did not end";
    return json::object();
  }
  uint64_t count() { return std::stoull(get(kCountAll, "text/csv")->body.substr(3)); }
  static constexpr const char* kCountAll =
      "SELECT (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }";
};

TEST_F(LoaderApiTest, ANeptuneLoadRequestCompletesAndReportsItsRecords) {
  start_with_data_root();
  write_file(dir_ / "data" / "bucket" / "daily" / "part1.nt",
             "<http://e/a> <http://e/q> \"1\" .\n<http://e/b> <http://e/q> \"2\" .\n");
  write_file(dir_ / "data" / "bucket" / "daily" / "part2.nt", "<http://e/a> <http://e/q> \"1\" .\n");
  // As a Neptune user sends it, with S3 fields Quiver ignores.
  const std::string id = post({{"source", "s3://bucket/daily"},
                               {"format", "ntriples"},
                               {"iamRoleArn", "arn:aws:iam::1:role/x"},
                               {"region", "us-east-1"},
                               {"failOnError", "TRUE"},
                               {"parallelism", "MEDIUM"},
                               {"parserConfiguration", {{"namedGraphUri", "http://e/daily"}}},
                               {"queueRequest", "TRUE"}});
  const json doc = ended(id, "?details=true&errors=true");
  const json& overall = doc.at("payload").at("overallStatus");
  EXPECT_EQ(overall.at("status"), "LOAD_COMPLETED") << doc.dump();
  EXPECT_EQ(overall.at("totalRecords"), 3);
  EXPECT_EQ(overall.at("totalDuplicates"), 1);
  EXPECT_EQ(overall.at("parsingErrors"), 0);
  EXPECT_EQ(doc.at("payload").at("failedFeeds").size(), 0u);
  EXPECT_EQ(get("SELECT (COUNT(*) AS ?n) { GRAPH <http://e/daily> { ?s ?p ?o } }", "text/csv")->body,
            "n\r\n2\r\n");
  const json list = json::parse(client_->Get("/loader")->body);
  EXPECT_EQ(list.at("payload").at("loadIds"), json::array({id}));
  // Mode AUTO (the default) of a source loaded already: the same job, nothing loaded twice.
  EXPECT_EQ(post({{"source", "s3://bucket/daily"}, {"format", "ntriples"}}), id);
}

TEST_F(LoaderApiTest, ErrorsFailTheWholeLoadOrAreListedWhenSkipped) {
  start_with_data_root();
  write_file(dir_ / "data" / "bad.nt",
             "<http://e/a> <http://e/q> \"1\" .\n<http://e/b> <broken\n<http://e/c> <http://e/q> \"3\" .\n");
  const uint64_t before = count();
  const json failed = ended(post({{"source", "bad.nt"}, {"format", "ntriples"}}), "?errors=true");
  EXPECT_EQ(failed.at("payload").at("overallStatus").at("status"), "LOAD_FAILED");
  const json& log = failed.at("payload").at("errors").at("errorLogs").at(0);
  EXPECT_NE(log.at("errorMessage").get<std::string>().find(":2:"), std::string::npos) << log.dump();
  EXPECT_EQ(count(), before);  // all or nothing

  const json skipped =
      ended(post({{"source", "bad.nt"}, {"format", "ntriples"}, {"failOnError", "FALSE"}, {"mode", "NEW"}}),
            "?errors=true&errorsPerPage=5&page=1");
  EXPECT_EQ(skipped.at("payload").at("overallStatus").at("status"), "LOAD_COMPLETED");
  EXPECT_EQ(skipped.at("payload").at("overallStatus").at("parsingErrors"), 1);
  const json& skipped_log = skipped.at("payload").at("errors").at("errorLogs").at(0);
  EXPECT_EQ(skipped_log.at("errorCode"), "PARSING_ERROR");
  EXPECT_EQ(skipped_log.at("recordNum"), 2);
  EXPECT_EQ(count(), before + 2);
}

TEST_F(LoaderApiTest, BadRequestsAreRefusedWithNeptunesErrorShape) {
  start_with_data_root();
  EXPECT_NE(post({{"format", "ntriples"}}, 400).find("source"), std::string::npos);
  EXPECT_NE(post({{"source", "../outside"}, {"format", "ntriples"}}, 400).find("not under the data root"),
            std::string::npos);
  EXPECT_NE(post({{"source", "missing.nt"}, {"format", "ntriples"}}, 400).find("does not exist"),
            std::string::npos);
  write_file(dir_ / "data" / "x.csv", "~id\n");
  EXPECT_NE(post({{"source", "x.csv"}, {"format", "csv"}}, 400).find("Quiver loads RDF"), std::string::npos);
  EXPECT_NE(
      post({{"source", "x.csv"}, {"format", "ntriples"}, {"dependencies", {"nope"}}}, 400).find("dependency"),
      std::string::npos);
  auto bad_json = client_->Post("/loader", "{not json", "application/json");
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_EQ(client_->Get("/loader/00000000-0000-4000-8000-000000000000")->status, 404);
  EXPECT_EQ(client_->Delete("/loader/00000000-0000-4000-8000-000000000000")->status, 404);
}

TEST_F(LoaderApiTest, ALoaderWithoutDataRootIsDisabled) {
  start();
  EXPECT_NE(post({{"source", "a.nt"}, {"format", "ntriples"}}, 400).find("--data-root"), std::string::npos);
}

TEST_F(LoaderApiTest, AQueuedJobIsCancelledAndADependentOfAFailedJobFails) {
  start_with_data_root();
  std::string big;
  for (int i = 0; i < 300000; ++i)
    big += "<http://e/big" + std::to_string(i) + "> <http://e/q> \"" + std::to_string(i) + "\" .\n";
  write_file(dir_ / "data" / "big.nt", big);
  write_file(dir_ / "data" / "bad.nt", "<broken\n");
  const uint64_t before = count();
  const std::string first = post({{"source", "big.nt"}, {"format", "ntriples"}});
  const std::string second = post({{"source", "bad.nt"}, {"format", "ntriples"}, {"queueRequest", "TRUE"}});
  const std::string third = post({{"source", "big.nt"},
                                  {"format", "ntriples"},
                                  {"mode", "NEW"},
                                  {"queueRequest", "TRUE"},
                                  {"dependencies", {second}}});
  EXPECT_EQ(client_->Delete("/loader/" + first)->status, 200);
  EXPECT_EQ(ended(first).at("payload").at("overallStatus").at("status"), "LOAD_CANCELLED_BY_USER");
  EXPECT_EQ(ended(second).at("payload").at("overallStatus").at("status"), "LOAD_FAILED");
  EXPECT_EQ(ended(third).at("payload").at("overallStatus").at("status"),
            "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED");
  EXPECT_EQ(count(), before);
  EXPECT_EQ(client_->Delete("/loader/" + first)->status, 400);  // ended already
}

TEST_F(LoaderApiTest, ARestartedServerStillReportsItsJobs) {
  start_with_data_root();
  write_file(dir_ / "data" / "one.nt", "<http://e/a> <http://e/q> \"1\" .\n");
  const std::string id = post({{"source", "one.nt"}, {"format", "ntriples"}});
  ended(id);
  stop();
  start_with_data_root();
  const json doc = json::parse(client_->Get("/loader/" + id)->body);
  EXPECT_EQ(doc.at("payload").at("overallStatus").at("status"), "LOAD_COMPLETED");
  EXPECT_EQ(doc.at("payload").at("overallStatus").at("totalRecords"), 1);
}

}  // namespace
}  // namespace quiver::testing
