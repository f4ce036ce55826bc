// jemalloc's options, read at start-up from this symbol (the MALLOC_CONF environment variable still
// overrides them). A query's hash tables, sorts and materialized rows are large arrays made and freed per
// query: on transparent huge pages they take a page fault per 2 MiB instead of per 4 KiB, and purging
// freed pages in jemalloc's background thread keeps that work off the query's thread.
extern "C" {
const char* malloc_conf = "thp:always,background_thread:true";
}
