"""Real SPARQL clients against a live `quiver serve`: SPARQLWrapper and rdflib (SPARQLStore, SPARQLUpdateStore)
query and update in every result format they ask for, and graphs go in and out through the Graph Store
Protocol with plain HTTP. Run by ctest (clients_test) with the project's .venv:

    .venv/bin/python3 tests/clients/clients_test.py --quiver build/quiver
"""

import argparse
import os
import sys
import unittest
import urllib.request

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, RDFXML, TURTLE, XML, SPARQLWrapper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from quiver_serve import QuiverServer  # noqa: E402

EX = rdflib.Namespace("http://example.org/")
DATA = """@prefix ex: <http://example.org/> .
ex:aspirin a ex:Drug ; ex:label "aspirin"@en ; ex:dose 100 .
ex:ibuprofen a ex:Drug ; ex:label "ibuprofen"@en ; ex:dose 200 .
ex:headache a ex:Condition ; ex:label "headache"@en .
ex:aspirin ex:treats ex:headache .
"""


def http(method, url, body=None, content_type=None, accept=None):
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


class ClientsTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = QuiverServer(ARGS.quiver)
        status, _ = http("PUT", cls.server.base + "/store?default", DATA.encode(), "text/turtle")
        assert status in (200, 201), status

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def wrapper(self, query, return_format):
        sparql = SPARQLWrapper(self.server.endpoint)
        sparql.setQuery(query)
        sparql.setReturnFormat(return_format)
        return sparql.query().convert()

    def test_sparqlwrapper_select_in_json_xml_and_csv(self):
        query = "SELECT ?drug ?dose WHERE { ?drug a <http://example.org/Drug> ; <http://example.org/dose> ?dose } ORDER BY ?dose"
        rows = self.wrapper(query, JSON)["results"]["bindings"]
        self.assertEqual([(r["drug"]["value"], r["dose"]["value"]) for r in rows],
                         [(str(EX.aspirin), "100"), (str(EX.ibuprofen), "200")])
        self.assertEqual(rows[0]["dose"]["datatype"], "http://www.w3.org/2001/XMLSchema#integer")
        document = self.wrapper(query, XML)
        self.assertEqual([b.firstChild.firstChild.data for b in document.getElementsByTagName("binding")
                          if b.getAttribute("name") == "dose"], ["100", "200"])
        csv = self.wrapper(query, CSV).decode("utf-8").splitlines()
        self.assertEqual(csv, ["drug,dose", str(EX.aspirin) + ",100", str(EX.ibuprofen) + ",200"])

    def test_sparqlwrapper_ask_and_construct(self):
        self.assertIs(self.wrapper("ASK { ?d <http://example.org/treats> ?c }", JSON)["boolean"], True)
        self.assertIs(self.wrapper("ASK { ?d <http://example.org/treats> <http://example.org/x> }", JSON)["boolean"], False)
        construct = "CONSTRUCT { ?d <http://example.org/cures> ?c } WHERE { ?d <http://example.org/treats> ?c }"
        for return_format in (TURTLE, RDFXML):
            result = self.wrapper(construct, return_format)
            graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(
                data=result, format="turtle" if return_format == TURTLE else "xml")
            self.assertEqual(set(graph), {(EX.aspirin, EX.cures, EX.headache)})

    def test_sparqlwrapper_update_then_query(self):
        sparql = SPARQLWrapper(self.server.endpoint)
        sparql.setMethod(POST)
        sparql.setQuery('INSERT DATA { GRAPH <http://example.org/g1> { <http://example.org/paracetamol> a <http://example.org/Drug> } }')
        sparql.query()
        rows = self.wrapper("SELECT ?d WHERE { GRAPH <http://example.org/g1> { ?d a ?c } }", JSON)["results"]["bindings"]
        self.assertEqual([r["d"]["value"] for r in rows], [str(EX.paracetamol)])

    def test_rdflib_sparqlstore_queries(self):
        graph = rdflib.Graph(store=SPARQLStore(self.server.endpoint))
        labels = {str(row.label) for row in graph.query(
            "SELECT ?label WHERE { ?x <http://example.org/label> ?label }")}
        self.assertEqual(labels, {"aspirin", "ibuprofen", "headache"})
        self.assertIn((EX.aspirin, EX.treats, EX.headache), graph)
        languages = {row.label.language for row in graph.query(
            "SELECT ?label WHERE { ?x <http://example.org/label> ?label }")}
        self.assertEqual(languages, {"en"})

    def test_rdflib_sparqlupdatestore_adds_and_removes(self):
        store = SPARQLUpdateStore(self.server.endpoint, self.server.endpoint)
        graph = rdflib.Graph(store=store, identifier=rdflib.URIRef("http://example.org/g2"))
        graph.add((EX.morphine, rdflib.RDF.type, EX.Drug))
        graph.add((EX.morphine, EX.label, rdflib.Literal("morphine", lang="en")))
        self.assertEqual(len(graph), 2)
        graph.remove((EX.morphine, EX.label, None))
        self.assertEqual(set(graph), {(EX.morphine, rdflib.RDF.type, EX.Drug)})

    def test_graph_store_protocol_round_trip(self):
        url = self.server.base + "/store?graph=http%3A%2F%2Fexample.org%2Fg3"
        source = rdflib.Graph().parse(data=DATA, format="turtle")
        status, _ = http("PUT", url, source.serialize(format="xml").encode(), "application/rdf+xml")
        self.assertEqual(status, 201)
        status, body = http("GET", url, accept="text/turtle")
        self.assertEqual(status, 200)
        self.assertTrue(rdflib.compare.isomorphic(rdflib.Graph().parse(data=body, format="turtle"), source))
        status, _ = http("DELETE", url)
        self.assertEqual(status, 204)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiver", required=True)
    ARGS, rest = parser.parse_known_args()
    import rdflib.compare  # noqa: E402  (isomorphism for the round trip)
    sys.exit(not unittest.main(argv=[sys.argv[0]] + rest, exit=False).result.wasSuccessful())
