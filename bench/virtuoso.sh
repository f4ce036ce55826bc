# Helpers to run a private Virtuoso (Debian's virtuoso-opensource) for side-by-side benchmarks.
# Source this file; it defines virtuoso_start DIR PORT DATA_DIR [keep], virtuoso_sql SQL, virtuoso_stop and
# virtuoso_kill.
# With "keep", an existing database in DIR is started as it is; otherwise DIR is created afresh.
# The instance lives in DIR, listens on PORT on the loopback interface only (with VIRTUOSO_HTTP_PORT set,
# also HTTP there: the SPARQL endpoint at /sparql), and may read files under DATA_DIR. Buffers are sized for about 3 GiB, as Virtuoso's tuning guide suggests for 4+ GiB.

VIRTUOSO_PORT=""
VIRTUOSO_DIR=""

virtuoso_start() {
  VIRTUOSO_DIR=$1
  VIRTUOSO_PORT=$2
  local data_dir=$3
  if [[ "${4:-}" != keep || ! -f "$VIRTUOSO_DIR/virtuoso.db" ]]; then
    rm -rf "$VIRTUOSO_DIR"
  fi
  mkdir -p "$VIRTUOSO_DIR"
  cat >"$VIRTUOSO_DIR/virtuoso.ini" <<INI
[Database]
DatabaseFile = $VIRTUOSO_DIR/virtuoso.db
ErrorLogFile = $VIRTUOSO_DIR/virtuoso.log
LockFile = $VIRTUOSO_DIR/virtuoso.lck
TransactionFile = $VIRTUOSO_DIR/virtuoso.trx
xa_persistent_file = $VIRTUOSO_DIR/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = $VIRTUOSO_DIR/virtuoso-temp.db
TransactionFile = $VIRTUOSO_DIR/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:$VIRTUOSO_PORT
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., $data_dir
NumberOfBuffers = 340000
MaxDirtyBuffers = 250000
ThreadsPerQuery = 2
MaxQueryMem = 2G
INI
  if [[ -n "${VIRTUOSO_HTTP_PORT:-}" ]]; then
    cat >>"$VIRTUOSO_DIR/virtuoso.ini" <<INI
[HTTPServer]
ServerPort = 127.0.0.1:$VIRTUOSO_HTTP_PORT
ServerRoot = $VIRTUOSO_DIR
ServerThreads = 64
MaxClientConnections = 64
KeepAliveTimeout = 10
INI
  fi
  (cd "$VIRTUOSO_DIR" && virtuoso-t +configfile "$VIRTUOSO_DIR/virtuoso.ini" +wait >/dev/null 2>&1)
  for _ in $(seq 1 60); do
    if isql-vt "$VIRTUOSO_PORT" dba dba exec="status();" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "Virtuoso did not start; see $VIRTUOSO_DIR/virtuoso.log" >&2
  return 1
}

virtuoso_sql() {
  isql-vt "$VIRTUOSO_PORT" dba dba exec="$1" 2>&1
}

virtuoso_stop() {
  [[ -n "$VIRTUOSO_PORT" ]] && isql-vt "$VIRTUOSO_PORT" dba dba exec="shutdown();" >/dev/null 2>&1 || true
  sleep 2
}

# Stops the server at once, for a query past its time limit (isql cannot cancel it, and shutdown() waits for
# it). Its process id is in the lock file. Safe for a database that is only read since its last checkpoint.
virtuoso_kill() {
  local pid
  pid=$(sed -n 's/^VIRT_PID=//p' "$VIRTUOSO_DIR/virtuoso.lck" 2>/dev/null)
  if [[ -n $pid ]]; then
    kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$VIRTUOSO_DIR/virtuoso.lck"
}
