#!/usr/bin/env bash
# Runs JenaClients.java (Java 17's source launcher) against QUIVER_BINARY with Jena's class path, resolved
# by Maven once into CLASSPATH_FILE (again when pom.xml changes). Run by ctest (jena_client_test):
#   tests/clients/jena/run.sh QUIVER_BINARY CLASSPATH_FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quiver=$1
classpath=$2
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "*** $tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
done
if [[ ! -s $classpath || $here/pom.xml -nt $classpath ]]; then
  mvn -q -B -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$classpath"
fi
exec java -cp "$(cat "$classpath")" "$here/JenaClients.java" "$quiver"
