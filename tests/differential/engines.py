"""The two engines under comparison: Quiver through its command line, Oxigraph (pyoxigraph) in a child
process; and Quiver's endpoint, whose answers to a query asked again are compared with its first.

Both give their answers as SPARQL 1.1 Query Results JSON text, so one reader (compare.py) turns either into
the same normalised form; an engine's error is an Answer of kind "error" with the message.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Answer:
    kind: str  # "solutions", "boolean", "error", or "crash" (the process died: never agreement)
    payload: object  # the parsed JSON document, or the error message

    @staticmethod
    def error(message: str) -> "Answer":
        return Answer("error", message.strip()[:2000])

    @staticmethod
    def from_json(text: str) -> "Answer":
        doc = json.loads(text)
        return Answer("boolean" if "boolean" in doc else "solutions", doc)


class QuiverEngine:
    """Runs each query as `quiver query --db D --format json --file -`: the command line has no mode that
    reads many queries, and a read-only open of a small store costs a few milliseconds."""

    def __init__(self, binary: Path, work: Path, name: str, files: list[Path], timeout: float):
        self.binary = binary
        self.db = work / f"{name}.quiver"
        self.timeout = timeout
        if self.db.exists():
            subprocess.run(["rm", "-rf", str(self.db)], check=True)
        subprocess.run(
            [str(binary), "load", "--db", str(self.db), "--quiet", "--rejects", str(work / f"{name}.rejects")]
            + [str(f) for f in files],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def run(self, query: str) -> Answer:
        try:
            done = subprocess.run(
                [str(self.binary), "query", "--db", str(self.db), "--format", "json",
                 "--timeout", str(self.timeout), "--file", "-"],
                input=query.encode(), capture_output=True, timeout=self.timeout + 20,
            )
        except subprocess.TimeoutExpired:
            return Answer.error("timeout (the process did not stop)")
        if done.returncode < 0:
            return Answer("crash", f"quiver died of signal {-done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
        if done.returncode != 0:
            return Answer.error(done.stderr.decode(errors="replace") or f"exit status {done.returncode}")
        try:
            return Answer.from_json(done.stdout.decode())
        except (ValueError, UnicodeDecodeError) as e:
            return Answer.error(f"unreadable JSON from quiver: {e}")


class QuiverServerEngine:
    """`quiver serve --read-only` over the store QuiverEngine made. The endpoint parses a query's shape (its
    text with the constants of its triple patterns lifted out) as a template the second time it sees it and
    answers the third from that template: asked three times, a query's first and third answers must be the
    same."""

    def __init__(self, binary: Path, db: Path, timeout: float):
        self.timeout = timeout
        self.process = subprocess.Popen(
            [str(binary), "serve", "--db", str(db), "--read-only", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        match = re.search(r"(http://[^/ ]+/sparql)", self.process.stdout.readline())
        if not match:
            self.close()
            raise RuntimeError("quiver serve did not say where it listens")
        self.endpoint = match.group(1)

    def run(self, query: str) -> Answer:
        request = urllib.request.Request(
            f"{self.endpoint}?timeout={int(self.timeout * 1000)}", data=query.encode(), method="POST",
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout + 20) as response:
                return Answer.from_json(response.read().decode())
        except urllib.error.HTTPError as e:
            return Answer.error(e.read().decode(errors="replace") or f"status {e.code}")
        except (OSError, ValueError) as e:
            return Answer("crash", f"no answer from quiver serve: {e}")

    def answered_from_templates(self) -> int:
        with urllib.request.urlopen(self.endpoint.removesuffix("/sparql") + "/metrics", timeout=30) as response:
            found = re.search(r"^quiver_queries_from_templates_total (\d+)", response.read().decode(), re.M)
        return int(found.group(1)) if found else 0

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def _oxigraph_worker(conn, files: list[str]) -> None:
    import os

    os.environ["RUST_BACKTRACE"] = "0"  # a panic is reported as a crash; its backtrace would flood the log
    import pyoxigraph as ox

    store = ox.Store()  # in memory
    for f in files:
        store.load(path=f, format=_format_of(f))
    conn.send("ready")
    while True:
        query = conn.recv()
        if query is None:
            return
        try:
            result = store.query(query)
            if isinstance(result, ox.QueryBoolean):
                conn.send(("ok", json.dumps({"head": {}, "boolean": bool(result)})))
            elif isinstance(result, ox.QuerySolutions):
                conn.send(("ok", result.serialize(format=ox.QueryResultsFormat.JSON).decode()))
            else:
                conn.send(("error", "the tool compares SELECT and ASK only"))
        except Exception as e:  # a SyntaxError or an evaluation error: both are the engine's answer
            conn.send(("error", f"{type(e).__name__}: {e}"))


def _format_of(path: str):
    import pyoxigraph as ox

    return {".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
            ".nq": ox.RdfFormat.N_QUADS}[Path(path).suffix]


class OxigraphEngine:
    """pyoxigraph's in-memory Store in a child process, so that a query running past the timeout can be
    stopped (pyoxigraph has no query timeout): the child is killed and started again."""

    def __init__(self, files: list[Path], timeout: float):
        self.files = [str(f) for f in files]
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_oxigraph_worker, args=(child, self.files), daemon=True)
        self.proc.start()
        if not self.conn.poll(120) or self.conn.recv() != "ready":
            raise RuntimeError("pyoxigraph did not load the data")

    def run(self, query: str) -> Answer:
        self.conn.send(query)
        if not self.conn.poll(self.timeout):
            self.proc.kill()
            self.proc.join()
            self._start()
            return Answer.error("timeout")
        try:
            status, text = self.conn.recv()
        except EOFError:  # pyoxigraph died (a panic that took the process down, or memory)
            self.proc.join()
            code = self.proc.exitcode
            self._start()
            return Answer("crash", f"the pyoxigraph process died (exit code {code})")
        return Answer.from_json(text) if status == "ok" else Answer.error(text)

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(5)
