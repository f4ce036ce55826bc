// The server's bulk-load jobs (/loader, in Amazon Neptune's shape): queued, run one at a time on a thread of
// their own beside the queries, each atomic (all of it or nothing), cancellable, and kept in a file beside
// the store so that a restarted server still reports how each ended. Internal to server/.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/database.h"

namespace quiver::server {

// Neptune's status names, which its clients read.
enum class LoadStatus {
  Queued,                  // LOAD_IN_QUEUE
  InProgress,              // LOAD_IN_PROGRESS
  Completed,               // LOAD_COMPLETED
  Failed,                  // LOAD_FAILED
  CancelledByUser,         // LOAD_CANCELLED_BY_USER
  DependencyNotSatisfied,  // LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED
};
const char* neptune_name(LoadStatus status);

// One error of a job, as Neptune's errorLogs list them.
struct LoadErrorLog {
  std::string code;  // PARSING_ERROR, LOAD_FAILED
  std::string message, file;
  uint64_t record = 0;  // the line, when known
};

struct LoadRequest {
  std::string source;  // as the client gave it
  std::vector<std::filesystem::path> inputs;
  std::optional<RdfFormat> format;
  bool fail_on_error = true;
  unsigned threads = 0;
  std::string named_graph, base_iri;
  std::vector<std::string> dependencies;  // load ids that must complete first
};

struct LoadJob {
  std::string id;
  LoadRequest request;
  LoadStatus status = LoadStatus::Queued;
  int64_t start_time = 0;  // seconds since the epoch, when it started
  double seconds = 0;      // time spent running
  uint64_t records = 0;    // statements read (so far, while in progress)
  uint64_t duplicates = 0;
  uint64_t parsing_errors = 0;
  std::vector<LoadErrorLog> errors;
};

class LoadJobs {
 public:
  // `record`: the file the jobs are kept in; the jobs a stopped server left queued or running are reported
  // failed (their loads never committed).
  LoadJobs(Database& database, std::filesystem::path record);
  ~LoadJobs();  // cancels the running job and stops the thread
  LoadJobs(const LoadJobs&) = delete;
  LoadJobs& operator=(const LoadJobs&) = delete;

  // Queues a load; its id.
  std::string submit(LoadRequest request);
  // Whether a job is queued or running (a request with queueRequest FALSE is then refused).
  bool busy() const;
  // The latest completed job of the same source, if any (mode AUTO and RESUME).
  std::optional<std::string> completed_source(const std::string& source) const;
  std::optional<LoadJob> find(const std::string& id) const;
  std::vector<std::string> ids() const;  // newest first
  // How many jobs there are in each status.
  std::map<LoadStatus, size_t> counts() const;
  // Cancels a queued or running job; false when there is no such job or it has ended.
  bool cancel(const std::string& id);

 private:
  void run();
  void run_one(LoadJob& job);
  void save_locked() const;

  Database& database_;
  const std::filesystem::path record_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, LoadJob> jobs_;
  std::vector<std::string> order_;  // ids, oldest first
  std::deque<std::string> queue_;
  std::shared_ptr<Cancellation> running_stop_;
  std::string running_id_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace quiver::server
