// Apache Jena's RDFConnection (5.6.0) against a live `quiver serve`: updates, SELECT and ASK in every
// result format Jena reads, CONSTRUCT in every graph format, and the Graph Store Protocol (PUT, GET, POST,
// DELETE on a named graph and the default graph), each checked against the data. Run by run.sh.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.ResultSet;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdf.model.ModelFactory;
import org.apache.jena.rdf.model.Resource;
import org.apache.jena.rdfconnection.RDFConnection;
import org.apache.jena.rdfconnection.RDFConnectionRemote;
import org.apache.jena.riot.RDFFormat;
import org.apache.jena.sparql.exec.http.QueryExecutionHTTP;
import org.apache.jena.vocabulary.RDFS;

public class JenaClients {
  static final String EX = "http://example.org/";
  static int checks = 0;

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
    ++checks;
  }

  static RDFConnection connect(String base, String selectAccept, String askAccept, String graphAccept,
                               RDFFormat upload) {
    return RDFConnectionRemote.newBuilder()
        .destination(base)
        .queryEndpoint("sparql")
        .updateEndpoint("sparql")
        .gspEndpoint("store")
        .acceptHeaderSelectQuery(selectAccept)
        .acceptHeaderAskQuery(askAccept)
        .acceptHeaderGraph(graphAccept)
        .triplesFormat(upload)
        .build();
  }

  // A value as text, whatever its kind: CSV results carry no kinds (the format is lossy by design).
  static String text(org.apache.jena.query.QuerySolution row, String var) {
    org.apache.jena.rdf.model.RDFNode node = row.get(var);
    return node.isLiteral() ? node.asLiteral().getLexicalForm() : node.toString();
  }

  static List<String> names(RDFConnection conn) {
    List<String> out = new ArrayList<>();
    try (QueryExecution qe = conn.query(
             "SELECT ?name WHERE { ?d a <" + EX + "Drug> ; <" + RDFS.label.getURI() + "> ?name } ORDER BY ?name")) {
      ResultSet rs = qe.execSelect();
      while (rs.hasNext()) out.add(text(rs.next(), "name"));
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    Path folder = Files.createTempDirectory("quiver-jena-");
    Process server = new ProcessBuilder(args[0], "serve", "--db", folder.resolve("db").toString(), "--port", "0")
                         .redirectError(ProcessBuilder.Redirect.DISCARD)
                         .start();
    try {
      String line = new BufferedReader(new InputStreamReader(server.getInputStream())).readLine();
      Matcher m = Pattern.compile("(http://\\S+)/sparql").matcher(line == null ? "" : line);
      check(m.find(), "quiver serve says where it listens: " + line);
      run(m.group(1));
      System.out.println("jena client test passed: " + checks + " checks");
    } finally {
      server.destroy();
      server.waitFor();
      try (Stream<Path> paths = Files.walk(folder)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static void run(String base) {
    try (RDFConnection conn = connect(base, "application/sparql-results+json", "application/sparql-results+json",
                                      "text/turtle", RDFFormat.TURTLE)) {
      conn.update("PREFIX ex: <" + EX + "> PREFIX rdfs: <" + RDFS.getURI() + ">\n"
                  + "INSERT DATA { ex:aspirin a ex:Drug ; rdfs:label \"aspirin\" ; ex:dose 100 .\n"
                  + "  ex:ibuprofen a ex:Drug ; rdfs:label \"ibuprofen\" ; ex:dose 200 .\n"
                  + "  ex:aspirin ex:treats ex:headache .\n"
                  + "  GRAPH ex:trials { ex:t1 ex:tests ex:aspirin } }");
    }

    // SELECT and ASK in each result format Jena reads.
    for (String format : List.of("application/sparql-results+json", "application/sparql-results+xml",
                                 "text/tab-separated-values", "text/csv")) {
      try (RDFConnection conn = connect(base, format, format.equals("text/tab-separated-values") || format.equals("text/csv")
                                                          ? "application/sparql-results+json" : format,
                                        "text/turtle", RDFFormat.TURTLE)) {
        check(names(conn).equals(List.of("aspirin", "ibuprofen")), format + ": the drugs' names, " + names(conn));
        check(conn.queryAsk("ASK { <" + EX + "aspirin> <" + EX + "treats> <" + EX + "headache> }"),
              format + ": ASK true");
        check(!conn.queryAsk("ASK { <" + EX + "ibuprofen> <" + EX + "treats> ?x }"), format + ": ASK false");
        try (QueryExecution qe = conn.query("SELECT (SUM(?d) AS ?total) WHERE { ?x <" + EX + "dose> ?d }")) {
          check(text(qe.execSelect().next(), "total").equals("300"), format + ": a sum over typed values");
        }
        try (QueryExecution qe = conn.query("SELECT ?t WHERE { GRAPH <" + EX + "trials> { ?t ?p ?o } }")) {
          check(text(qe.execSelect().next(), "t").equals(EX + "t1"), format + ": a named graph");
        }
      }
    }

    // CONSTRUCT and DESCRIBE in each graph format.
    for (String format : List.of("text/turtle", "application/n-triples", "application/rdf+xml")) {
      try (RDFConnection conn = connect(base, "application/sparql-results+json", "application/sparql-results+json",
                                        format, RDFFormat.TURTLE)) {
        Model made = conn.queryConstruct("CONSTRUCT { ?d <" + EX + "name> ?n } WHERE { ?d <" + RDFS.label.getURI() + "> ?n }");
        check(made.size() == 2, format + ": CONSTRUCT makes two triples, got " + made.size());
        check(made.contains(made.createResource(EX + "aspirin"), made.createProperty(EX + "name"), "aspirin"),
              format + ": CONSTRUCT's triple");
        Model described = conn.queryDescribe("DESCRIBE <" + EX + "ibuprofen>");
        check(described.contains(described.createResource(EX + "ibuprofen"), RDFS.label, "ibuprofen"),
              format + ": DESCRIBE");
      }
    }

    // The Graph Store Protocol, uploads in Turtle, N-Triples and RDF/XML.
    for (RDFFormat upload : List.of(RDFFormat.TURTLE, RDFFormat.NTRIPLES, RDFFormat.RDFXML)) {
      try (RDFConnection conn = connect(base, "application/sparql-results+json", "application/sparql-results+json",
                                        "text/turtle", upload)) {
        String graph = EX + "reviews";
        Model first = ModelFactory.createDefaultModel();
        Resource review = first.createResource(EX + "review1");
        first.add(review, RDFS.label, "first review");
        conn.put(graph, first);
        check(conn.fetch(graph).isIsomorphicWith(first), upload + ": PUT then GET gives the graph back");
        Model second = ModelFactory.createDefaultModel();
        second.add(second.createResource(EX + "review2"), RDFS.label, "second review");
        conn.load(graph, second);
        check(conn.fetch(graph).size() == 2, upload + ": POST adds to the graph");
        conn.put(graph, second);
        Model replaced = conn.fetch(graph);
        check(replaced.isIsomorphicWith(second), upload + ": PUT replaces the graph, got " + replaced.size());
        conn.delete(graph);
        check(!conn.queryAsk("ASK { GRAPH <" + graph + "> { ?s ?p ?o } }"), upload + ": DELETE empties it");
        check(conn.fetch().contains(conn.fetch().createResource(EX + "aspirin"), RDFS.label, "aspirin"),
              upload + ": GET of the default graph");
      }
    }

    // A query Jena sends by GET with its own Accept (the plain QueryExecutionHTTP path).
    try (QueryExecution qe = QueryExecutionHTTP.service(base + "/sparql")
                                 .query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <" + EX + "Drug> }")
                                 .build()) {
      check(qe.execSelect().next().getLiteral("n").getInt() == 2, "QueryExecutionHTTP: the count");
    }
  }
}
