"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests, run against a live `quiver serve`.

Each manifest test is a list of HTTP requests (method, path, headers, body) with what each response must
be: a status or class of status, a content type, a boolean, a kind of result ("boolean", "tabular",
"RDF"), or a graph isomorphic to the one given. Paths under /sparql/ go to Quiver's /sparql, those under
/gsp to its /store. A test's ut:graphData is loaded into its named graph first, and the store is emptied
between tests. Run by ctest (w3c_http_test) with the project's .venv:

    .venv/bin/python3 tests/w3c_http/http_manifests_test.py --quiver build/quiver --w3c ../shared/w3c
"""

import argparse
import http.client
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import rdflib
from rdflib.collection import Collection
from rdflib.compare import isomorphic

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from quiver_serve import QuiverServer  # noqa: E402

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

STATUSES = {"OK": {200}, "Created": {201}, "NoContent": {204}, "NotFound": {404}}
KINDS = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/plain"},
}
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}
MANIFESTS = ["sparql/sparql11/protocol/manifest.ttl",
             "sparql/sparql11/graph-store-protocol/manifest-indirect.ttl",
             "sparql/sparql11/graph-store-protocol/manifest-direct.ttl"]


def allowed_statuses(graph, response):
    codes = set()
    for status in graph.objects(response, MF.expectedStatus):
        name = str(status)[len(str(HTS)):]
        match = re.fullmatch(r"StatusCode(\d)xx", name)
        codes |= set(range(int(match.group(1)) * 100, int(match.group(1)) * 100 + 100)) if match else STATUSES[name]
    return codes


def header_list(graph, node):
    headers = graph.value(node, HT.headers)
    if headers is None:
        return []
    return [(str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue))) for h in Collection(graph, headers)]


def body_of(graph, node):
    body = graph.value(node, HT.body)
    if body is None:
        return None, None
    encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
    return str(graph.value(body, CNT.chars)), encoding


def media_type(value):
    return value.split(";")[0].strip().lower()


def boolean_of(content_type, text):
    if content_type == "application/sparql-results+json":
        return json.loads(text)["boolean"]
    root = ET.fromstring(text)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text.strip() == "true"


class Server(QuiverServer):
    """The server under test, with a request of raw parts."""

    def request(self, method, path, headers=(), body=None):
        connection = http.client.HTTPConnection(self.authority, timeout=60)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()
        finally:
            connection.close()



def local_path(path):
    """The manifest's endpoint paths (/sparql/, /gsp) as Quiver's (/sparql, /store)."""
    if path.startswith("/sparql/"):
        return "/sparql" + path[len("/sparql/"):]
    if path.startswith("/gsp"):
        return "/store" + path[len("/gsp"):]
    return path


def run_test(server, graph, test, folder):
    status, _, text = server.request("POST", "/sparql", [("Content-Type", "application/sparql-update")],
                                     b"DROP SILENT ALL")
    if status != 200:
        return f"emptying the store: {status} {text!r}"
    for data in graph.objects(test, UT.graphData):
        name = str(graph.value(data, rdflib.RDFS.label))
        with open(os.path.join(folder, os.path.basename(str(graph.value(data, UT.graph)))), "rb") as f:
            status, _, text = server.request("PUT", "/store?graph=" + urllib.parse.quote(name, safe=""),
                                             [("Content-Type", "application/n-triples")], f.read())
        if status >= 300:
            return f"loading {name}: {status} {text!r}"
    requests = Collection(graph, graph.value(graph.value(test, MF.action), HT.requests))
    locations = {}
    for number, request in enumerate(requests, 1):
        method = str(graph.value(request, HT.methodName))
        path = str(graph.value(request, HT.absolutePath))
        text, encoding = body_of(graph, request)
        for template, location in locations.items():
            path = path.replace(template, location)
            text = text.replace(template, location) if text is not None else None
        headers = header_list(graph, request)
        body = text.encode(encoding.replace("UTF-16", "utf-16-le")) if text is not None else None
        status, response_headers, content = server.request(method, local_path(path), headers, body)
        what = f"request {number} ({method} {path})"
        response = graph.value(request, HT.resp)
        allowed = allowed_statuses(graph, response)
        if allowed and status not in allowed:
            return f"{what}: status {status}, expected one of {sorted(allowed)[:6]}: {content[:300]!r}"
        content_type = media_type(response_headers.get("content-type", ""))
        for name, value in header_list(graph, response):
            if name.lower() == "content-type" and content_type != media_type(value):
                return f"{what}: Content-Type {content_type}, expected {media_type(value)}"
        kind = graph.value(response, MF.expectedFormat)
        if kind is not None and content_type not in KINDS[str(kind)]:
            return f"{what}: Content-Type {content_type} is not {kind}"
        expected_boolean = graph.value(response, MF.expectedBoolean)
        if expected_boolean is not None:
            try:
                got_boolean = boolean_of(content_type, content.decode())
            except (ValueError, KeyError, AttributeError, ET.ParseError) as e:
                return f"{what}: no boolean in the answer ({e}): {content[:300]!r}"
            if got_boolean != expected_boolean.toPython():
                return f"{what}: the boolean is not {expected_boolean}: {content[:300]!r}"
        expected_body, _ = body_of(graph, response)
        if expected_body is not None and content_type not in RDF_FORMATS:
            return f"{what}: a graph was expected, the answer is {content_type}"
        if expected_body is not None:
            base = f"http://{server.authority}{local_path(path)}"
            got = rdflib.Graph().parse(data=content.decode(), format=RDF_FORMATS[content_type], publicID=base)
            want = rdflib.Graph().parse(data=expected_body, format=RDF_FORMATS[content_type], publicID=base)
            if not isomorphic(got, want):
                return f"{what}: the graph differs:\n{content.decode()}"
        template = graph.value(response, MF.expectedLocation)
        if template is not None:
            if "location" not in response_headers:
                return f"{what}: no Location header"
            locations[str(template)] = response_headers["location"]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiver", required=True)
    parser.add_argument("--w3c", default=os.environ.get("QUIVER_W3C_DIR", "../shared/w3c"))
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.w3c, "sparql")):
        print(f"*** the W3C test suites are not at {args.w3c}: set QUIVER_W3C_DIR", file=sys.stderr)
        return 1
    server = Server(args.quiver)
    failures, count = [], 0
    try:
        for manifest in MANIFESTS:
            path = os.path.join(args.w3c, manifest)
            graph = rdflib.Graph().parse(path, format="turtle")
            tests = sorted(set(graph.subjects(rdflib.RDF.type, MF.ProtocolTest)) |
                           set(graph.subjects(rdflib.RDF.type, MF.GraphStoreProtocolTest)))
            for test in tests:
                count += 1
                failure = run_test(server, graph, test, os.path.dirname(path))
                name = graph.value(test, MF.name)
                if failure:
                    failures.append(f"{manifest} {test.split('#')[-1]} ({name}): {failure}")
    finally:
        server.stop()
    for failure in failures:
        print("FAIL", failure)
    print(f"{count - len(failures)} of {count} W3C protocol tests passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
