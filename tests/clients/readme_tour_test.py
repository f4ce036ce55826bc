"""The README's tour of the HTTP API, run as printed: every `curl` line and every Python example of its
"Over HTTP" section against a live `quiver serve` (the address in the README becomes the test server's, and
LOAD_ID the id of the job the tour starts). Run by ctest (readme_tour_test) with the project's .venv:

    .venv/bin/python3 tests/clients/readme_tour_test.py --quiver build/quiver
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from quiver_serve import QuiverServer  # noqa: E402

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
PRINTED_ADDRESS = "http://127.0.0.1:7878"
LABELS = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/aspirin> a <http://example.org/Drug> ; rdfs:label "aspirin"@en .
"""


def tour():
    """The code blocks of the README's "Over HTTP" section, in order: (language, text)."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n## Over HTTP\n")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end >= 0 else len(text)]
    return re.findall(r"^```(\w+)\n(.*?)^```$", section, re.M | re.S)


class ReadmeTourTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.TemporaryDirectory()
        folder = self.work.name
        # The files the tour names: a Turtle ontology, a gzip'd N-Triples delta, a folder for the load job.
        with open(os.path.join(folder, "ontology.ttl"), "w") as f:
            f.write(LABELS)
        with gzip.open(os.path.join(folder, "delta.nt.gz"), "wt") as f:
            f.write("<http://example.org/delta> <http://example.org/p> \"1\" .\n")
        daily = os.path.join(folder, "root", "bucket", "daily")
        os.makedirs(daily)
        with open(os.path.join(daily, "part-0.nt"), "w") as f:
            f.write("<http://example.org/job> <http://example.org/p> \"2\" .\n")
        self.server = QuiverServer(ARGS.quiver, ["--data-root", os.path.join(folder, "root")])
        urllib.request.urlopen(urllib.request.Request(
            self.server.base + "/store?default", data=LABELS.encode(), method="POST",
            headers={"Content-Type": "text/turtle"}), timeout=30).read()

    def tearDown(self):
        self.server.stop()
        self.work.cleanup()

    def run_printed(self, command, language):
        """Runs one printed command or program with the test server's address; its output."""
        command = command.replace(PRINTED_ADDRESS, self.server.base)
        if language == "python":
            argv = [sys.executable, "-c", command]
        else:
            # curl reports an HTTP error status as a failure (as printed, it would print the error and exit 0).
            argv = ["bash", "-c", re.sub(r"^curl ", "curl -sS --fail-with-body ", command)]
        done = subprocess.run(argv, cwd=self.work.name, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, f"{command}\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def test_every_example_runs_as_printed(self):
        blocks = tour()
        self.assertGreaterEqual(len([b for b in blocks if b[0] == "python"]), 1, "the tour has no Python example")
        load_id = None
        ran = 0
        for language, text in blocks:
            if language == "python":
                output = self.run_printed(text, "python")
                self.assertIn("aspirin", output)
                ran += 1
                continue
            for line in text.splitlines():
                if not line.startswith("curl "):
                    continue
                if "LOAD_ID" in line:
                    self.assertIsNotNone(load_id, "the tour asks for a job before starting one")
                    line = line.replace("LOAD_ID", load_id)
                output = self.run_printed(line, "sh")
                if "fts:search" in line:  # the full-text search finds the labels loaded above
                    self.assertIn("http://example.org/aspirin", output)
                ran += 1
                if line.rstrip().endswith("/loader"):
                    load_id = json.loads(output)["payload"]["loadId"]
        self.assertGreater(ran, 10)
        # The job the tour started completes, and what the tour wrote is in the store.
        for _ in range(300):
            status = json.loads(urllib.request.urlopen(
                f"{self.server.base}/loader/{load_id}", timeout=30).read())["payload"]["overallStatus"]["status"]
            if status != "LOAD_IN_PROGRESS" and status != "LOAD_NOT_STARTED":
                break
            time.sleep(0.1)
        self.assertEqual(status, "LOAD_COMPLETED")
        for subject in ("job", "delta", "a"):
            query = urllib.parse.quote(f"ASK {{ GRAPH ?g {{ <http://example.org/{subject}> ?p ?o }} }}"
                                       if subject == "a" else f"ASK {{ <http://example.org/{subject}> ?p ?o }}")
            answer = urllib.request.urlopen(f"{self.server.endpoint}?query={query}", timeout=30).read()
            self.assertTrue(json.loads(answer)["boolean"], subject)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiver", required=True)
    ARGS, rest = parser.parse_known_args()
    import urllib.parse  # noqa: E402
    sys.exit(not unittest.main(argv=[sys.argv[0]] + rest, exit=False).result.wasSuccessful())
