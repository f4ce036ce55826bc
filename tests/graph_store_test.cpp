// `quiver serve`'s Graph Store HTTP Protocol at /store, through a real HTTP client: each method on the
// default and a named graph, negotiation, bodies in several syntaxes (gzip'd too), and the failures.
#include <zlib.h>

#include "tests/support/live_server.h"

namespace quiver::testing {
namespace {

using GraphStoreTest = ServerTest;

std::string gzipped(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 16: gzip framing
  std::string out(compressBound(text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

constexpr const char* kGraph = "/store?graph=http%3A%2F%2Fe%2Fg";

TEST_F(GraphStoreTest, PutGetPostDeleteANamedGraph) {
  start();
  auto put = client_->Put(kGraph, "<http://e/a> <http://e/q> \"1\" .\n<http://e/b> <http://e/q> \"2\" .\n",
                          "application/n-triples");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201);  // a new graph
  auto got = client_->Get(kGraph, {{"Accept", "application/n-triples"}});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/n-triples; charset=utf-8");
  EXPECT_NE(got->body.find("<http://e/a> <http://e/q> \"1\" ."), std::string::npos) << got->body;

  auto post = client_->Post(kGraph, "@prefix e: <http://e/> . e:c e:q \"3\" .", "text/turtle");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(get("SELECT (COUNT(*) AS ?n) { GRAPH <http://e/g> { ?s ?p ?o } }", "text/csv")->body,
            "n\r\n3\r\n");

  // PUT replaces: the graph holds the body's statements only, and the default graph is untouched.
  put = client_->Put(kGraph, "<http://e/z> <http://e/q> \"9\" .\n", "application/n-triples");
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(get("SELECT ?s { GRAPH <http://e/g> { ?s ?p ?o } }", "text/csv")->body, "s\r\nhttp://e/z\r\n");
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");

  EXPECT_EQ(client_->Delete(kGraph)->status, 204);
  EXPECT_EQ(client_->Get(kGraph)->status, 404);
  EXPECT_EQ(client_->Delete(kGraph)->status, 404);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

TEST_F(GraphStoreTest, TheDefaultGraphIsReadReplacedAndEmptied) {
  start();
  auto got = client_->Get("/store?default", {{"Accept", "text/turtle"}});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("Content-Type"), "text/turtle; charset=utf-8");
  EXPECT_NE(got->body.find("\"199\""), std::string::npos);
  auto head = client_->Head("/store?default");
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());

  // An empty body is valid RDF: a PUT of one empties the graph.
  EXPECT_EQ(client_->Put("/store?default", "", "text/turtle")->status, 200);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n0\r\n");
  EXPECT_EQ(client_->Post("/store?default", "<http://e/a> <http://e/q> <http://e/b> .", "text/plain")->status,
            200);
  EXPECT_EQ(client_->Delete("/store?default")->status, 204);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n0\r\n");
}

// A named graph exists once written, even empty, and once made by CREATE GRAPH; it is gone once deleted.
TEST_F(GraphStoreTest, AnEmptyNamedGraphExistsUntilDeleted) {
  start();
  EXPECT_EQ(client_->Put(kGraph, "", "text/turtle")->status, 201);
  auto got = client_->Get(kGraph, {{"Accept", "application/n-triples"}});
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "");
  EXPECT_EQ(client_->Put(kGraph, "", "text/turtle")->status, 200);  // it exists: replaced, not created
  EXPECT_EQ(client_->Delete(kGraph)->status, 204);
  EXPECT_EQ(client_->Get(kGraph)->status, 404);

  ASSERT_EQ(post_form("update", "CREATE GRAPH <http://e/made>")->status, 200);
  EXPECT_EQ(client_->Get("/store?graph=http%3A%2F%2Fe%2Fmade")->status, 200);
  EXPECT_EQ(post_form("update", "CREATE GRAPH <http://e/made>")->status, 400);  // exists already

  auto made = client_->Post("/store", "", "text/turtle");  // a new graph of the store's own naming
  ASSERT_EQ(made->status, 201);
  const std::string location = made->get_header_value("Location");
  const std::string path = location.substr(location.find("/store/"));
  EXPECT_EQ(client_->Get(path)->status, 200) << location;
}

TEST_F(GraphStoreTest, AGzipBodyAndTheWholeDatasetAsQuads) {
  start();
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  auto post = client_->Post(kGraph, gzip, gzipped("<http://e/a> <http://e/q> \"zipped\" .\n"),
                            "application/n-triples");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 201) << post->body;
  auto all = client_->Get("/store", {{"Accept", "application/n-quads"}});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_NE(all->body.find("<http://e/a> <http://e/q> \"zipped\" <http://e/g> ."), std::string::npos);
  EXPECT_NE(all->body.find("<http://e/s7> <http://e/p> \"7\" ."), std::string::npos);
}

// A body's relative IRIs resolve against the graph it is written to (the default graph: the store's URL),
// the same whether the graph was empty (the bulk path) or is replaced (one transaction).
TEST_F(GraphStoreTest, RelativeIrisResolveAgainstTheGraphWritten) {
  start();
  const std::string body = "<a> <#p> <../c> .";
  EXPECT_EQ(client_->Put("/store?graph=http%3A%2F%2Fe%2Fdocs%2Fg", body, "text/turtle")->status, 201);
  EXPECT_EQ(get("ASK { GRAPH <http://e/docs/g> { <http://e/docs/a> <http://e/docs/g#p> <http://e/c> } }",
                "text/csv")
                ->body,
            "true\r\n");
  EXPECT_EQ(client_->Put("/store?graph=http%3A%2F%2Fe%2Fdocs%2Fg", "<b> <#p> <c> .", "text/turtle")->status,
            200);
  EXPECT_EQ(get("SELECT ?s { GRAPH <http://e/docs/g> { ?s <http://e/docs/g#p> ?o } }", "text/csv")->body,
            "s\r\nhttp://e/docs/b\r\n");
  const auto host = "http://127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(client_->Post("/store?default", "<d> <p> <o> .", "text/turtle")->status, 200);
  EXPECT_EQ(get("ASK { <" + host + "/d> <" + host + "/p> <" + host + "/o> }", "text/csv")->body, "true\r\n");
}

// A multipart body without parts, or cut short, is the request's fault (400), and changes nothing.
TEST_F(GraphStoreTest, ABrokenMultipartBodyIsRefused) {
  start();
  const std::string type = "multipart/form-data; boundary=b";
  auto empty = client_->Post(kGraph, "--b--\r\n", type);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400) << empty->body;
  auto cut =
      client_->Post(kGraph,
                    "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/turtle\r\n\r\n"
                    "<http://e/cut> <http://e/p> 1 .\r\n",
                    type);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->status, 400) << cut->body;
  EXPECT_EQ(get("ASK { <http://e/cut> ?p ?o }", "text/csv")->body, "false\r\n");
}

// A small gzip body that inflates past --max-body is refused, and nothing of it is added.
TEST_F(GraphStoreTest, AGzipBodyIsBoundedOnceInflated) {
  server::ServerOptions options;
  options.max_body_bytes = 1 << 20;
  start(options);
  std::string big;
  for (int i = 0; big.size() < (3u << 20); ++i)
    big += "<http://e/bomb> <http://e/q> \"" + std::to_string(i) + "\" .\n";
  const std::string zipped = gzipped(big);
  ASSERT_LT(zipped.size(), options.max_body_bytes);
  auto post = client_->Post(kGraph, {{"Content-Encoding", "gzip"}}, zipped, "application/n-triples");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 413) << post->body;
  EXPECT_EQ(get("ASK { <http://e/bomb> ?p ?o }", "text/csv")->body, "false\r\n");
}

TEST_F(GraphStoreTest, BadRequestsAreRefusedAndChangeNothing) {
  start();
  // A syntax error half-way: nothing of the body is added.
  auto bad = client_->Post(kGraph, "<http://e/a> <http://e/q> \"1\" .\n<http://e/b> <broken\n",
                           "application/n-triples");
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("request body:2:"), std::string::npos) << bad->body;
  EXPECT_EQ(bad->body.find("staging"), std::string::npos) << bad->body;  // no path of the server's
  bad = client_->Put("/store?default", "<a> <b> <c> .", "application/ld+json");
  EXPECT_EQ(bad->status, 415);
  EXPECT_EQ(client_->Put("/store?default&graph=http%3A%2F%2Fe%2Fg", "", "text/turtle")->status, 400);
  EXPECT_EQ(client_->Put("/store", "", "text/turtle")->status, 400);  // which graph?
  EXPECT_EQ(client_->Put("/store?graph=not%20an%20iri", "", "text/turtle")->status, 400);
  EXPECT_EQ(client_->Get(kGraph, {{"Accept", "application/sparql-results+json"}})->status, 406);
  EXPECT_EQ(client_->Delete("/store", httplib::Headers{{"Origin", "http://elsewhere.example"}})->status, 403);
  EXPECT_EQ(get(kCount, "text/csv")->body, "n\r\n200\r\n");
}

TEST_F(GraphStoreTest, AReadOnlyServerRefusesWrites) {
  server::ServerOptions options;
  options.read_only = true;
  start(options);
  EXPECT_EQ(client_->Put(kGraph, "", "text/turtle")->status, 403);
  EXPECT_EQ(client_->Delete("/store?default")->status, 403);
  EXPECT_EQ(client_->Get("/store?default")->status, 200);
}

}  // namespace
}  // namespace quiver::testing
