#!/usr/bin/env bash
# Installs every Debian package Quiver needs to build, test (clang and its runtime for the fuzz targets, llvm
# for llvm-symbolizer), format (clang-format) and benchmark.
# Idempotent: packages already present are left alone; apt-get runs only when something is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the tools the benchmarks compare against (serdi, rapper, Virtuoso)
# Also makes the project-local Python virtualenv .venv/ (git-ignored) holding the tests' pinned Python tools:
# pyoxigraph, the oracle of the differential test, and the SPARQL clients of tests/clients/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config ninja-build
  libraptor2-dev librasqal3-dev librocksdb-dev
  libboost-dev libboost-context-dev libboost-program-options-dev libcpp-httplib-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxapian-dev zlib1g-dev libxxhash-dev libjemalloc-dev libssl-dev libpcre2-dev
  raptor2-utils python3-venv curl chromium openjdk-17-jdk-headless maven
  clang libclang-rt-14-dev llvm clang-format
)
# Node.js and npm install the query console's packages (server/console/) and drive its browser test; a
# Node.js from elsewhere that brings its own npm is used as it is.
command -v npm >/dev/null || packages+=(nodejs npm)
if [[ "${1:-}" == "--bench" ]]; then
  # The peers and the load generator of the HTTP benchmark: wrk (Java 17 and Maven, for Apache Jena Fuseki,
  # are in the list above: Jena's client test needs them).
  packages+=(serdi virtuoso-opensource time wrk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

oxigraph_server_version=0.5.13
# The pinned Python tools of the tests (tests/python-requirements.txt), installed again when the list changes.
if ! cmp -s tests/python-requirements.txt .venv/installed-requirements.txt; then
  echo "Installing the tests' Python tools into .venv/"
  python3 -m venv .venv
  .venv/bin/python3 -m pip install -q --disable-pip-version-check -r tests/python-requirements.txt
  cp tests/python-requirements.txt .venv/installed-requirements.txt
fi
# Oxigraph's server, a peer of the HTTP benchmark (bench/http_bench.sh).
if [[ "${1:-}" == "--bench" ]] && ! .venv/bin/oxigraph --version 2>/dev/null | grep -q "$oxigraph_server_version"; then
  .venv/bin/python3 -m pip install -q --disable-pip-version-check "oxigraph==$oxigraph_server_version"
fi
