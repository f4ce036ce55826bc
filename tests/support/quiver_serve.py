"""`quiver serve` for the Python tests (tests/clients/, tests/w3c_http/): on a new store and a free port,
stopped at the end."""

import os
import re
import subprocess
import tempfile


class QuiverServer:
    """A running `quiver serve`: `base` is its URL (http://HOST:PORT), `authority` its HOST:PORT."""

    def __init__(self, quiver, options=()):
        self.folder = tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(
            [quiver, "serve", "--db", os.path.join(self.folder.name, "db"), "--port", "0", *options],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"(http://([^/ ]+))/sparql", line)
        if not match:
            self.stop()
            raise RuntimeError("quiver serve did not say where it listens: " + repr(line))
        self.base = match.group(1)
        self.authority = match.group(2)
        self.endpoint = self.base + "/sparql"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self.folder.cleanup()
