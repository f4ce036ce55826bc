#include "server/load_jobs.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "server/query_registry.h"

namespace quiver::server {
namespace {

using nlohmann::json;

constexpr LoadStatus kStatuses[] = {LoadStatus::Queued,          LoadStatus::InProgress,
                                    LoadStatus::Completed,       LoadStatus::Failed,
                                    LoadStatus::CancelledByUser, LoadStatus::DependencyNotSatisfied};

LoadStatus status_named(const std::string& name) {
  for (LoadStatus s : kStatuses)
    if (name == neptune_name(s)) return s;
  return LoadStatus::Failed;
}

json to_json(const LoadJob& job) {
  json errors = json::array();
  for (const auto& e : job.errors)
    errors.push_back({{"code", e.code}, {"message", e.message}, {"file", e.file}, {"record", e.record}});
  return {{"id", job.id},
          {"source", job.request.source},
          {"status", neptune_name(job.status)},
          {"startTime", job.start_time},
          {"seconds", job.seconds},
          {"records", job.records},
          {"duplicates", job.duplicates},
          {"parsingErrors", job.parsing_errors},
          {"errors", errors}};
}

LoadJob from_json(const json& j) {
  LoadJob job;
  job.id = j.at("id");
  job.request.source = j.at("source");
  job.status = status_named(j.at("status"));
  job.start_time = j.value("startTime", int64_t{0});
  job.seconds = j.value("seconds", 0.0);
  job.records = j.value("records", uint64_t{0});
  job.duplicates = j.value("duplicates", uint64_t{0});
  job.parsing_errors = j.value("parsingErrors", uint64_t{0});
  for (const auto& e : j.value("errors", json::array()))
    job.errors.push_back(
        {e.at("code"), e.at("message"), e.value("file", ""), e.value("record", uint64_t{0})});
  return job;
}

bool finished(LoadStatus s) {
  return s != LoadStatus::Queued && s != LoadStatus::InProgress;
}

}  // namespace

const char* neptune_name(LoadStatus status) {
  switch (status) {
    case LoadStatus::Queued:
      return "LOAD_IN_QUEUE";
    case LoadStatus::InProgress:
      return "LOAD_IN_PROGRESS";
    case LoadStatus::Completed:
      return "LOAD_COMPLETED";
    case LoadStatus::Failed:
      return "LOAD_FAILED";
    case LoadStatus::CancelledByUser:
      return "LOAD_CANCELLED_BY_USER";
    case LoadStatus::DependencyNotSatisfied:
      return "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED";
  }
  return "LOAD_FAILED";
}

LoadJobs::LoadJobs(Database& database, std::filesystem::path record)
    : database_(database), record_(std::move(record)) {
  if (std::ifstream in(record_); in) {
    try {
      const json record = json::parse(in);
      for (const json& j : record.at("jobs")) {
        LoadJob job = from_json(j);
        if (!finished(job.status)) {
          job.status = LoadStatus::Failed;
          job.errors.push_back(
              {"LOAD_FAILED", "the server stopped before the load ended: nothing of it was loaded", "", 0});
        }
        order_.push_back(job.id);
        jobs_.emplace(job.id, std::move(job));
      }
    } catch (const std::exception&) {
      // An unreadable record loses the history of old jobs, nothing else: the data is in the store.
      jobs_.clear();
      order_.clear();
    }
  }
  thread_ = std::thread([this] { run(); });
}

LoadJobs::~LoadJobs() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (running_stop_) running_stop_->cancel(StopReason::ShuttingDown);
  }
  changed_.notify_all();
  thread_.join();
}

std::string LoadJobs::submit(LoadRequest request) {
  std::lock_guard lock(mutex_);
  LoadJob job;
  job.id = new_uuid();
  job.request = std::move(request);
  const std::string id = job.id;
  order_.push_back(id);
  jobs_.emplace(id, std::move(job));
  queue_.push_back(id);
  save_locked();
  changed_.notify_all();
  return id;
}

bool LoadJobs::busy() const {
  std::lock_guard lock(mutex_);
  return !queue_.empty() || !running_id_.empty();
}

std::optional<std::string> LoadJobs::completed_source(const std::string& source) const {
  std::lock_guard lock(mutex_);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const LoadJob& job = jobs_.at(*it);
    if (job.request.source == source && job.status == LoadStatus::Completed) return job.id;
  }
  return std::nullopt;
}

std::optional<LoadJob> LoadJobs::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> LoadJobs::ids() const {
  std::lock_guard lock(mutex_);
  return std::vector<std::string>(order_.rbegin(), order_.rend());
}

std::map<LoadStatus, size_t> LoadJobs::counts() const {
  std::lock_guard lock(mutex_);
  std::map<LoadStatus, size_t> counts;
  for (const auto& [id, job] : jobs_) ++counts[job.status];
  return counts;
}

bool LoadJobs::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || finished(it->second.status)) return false;
  if (id == running_id_) {
    running_stop_->cancel(StopReason::Cancelled);  // the job's thread records the outcome
  } else {
    std::erase(queue_, id);
    it->second.status = LoadStatus::CancelledByUser;
    save_locked();
  }
  return true;
}

void LoadJobs::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    LoadJob& job = jobs_.at(queue_.front());
    queue_.pop_front();
    running_id_ = job.id;
    running_stop_ = std::make_shared<Cancellation>();
    lock.unlock();
    run_one(job);  // the map never erases: the reference stays valid
    lock.lock();
    running_id_.clear();
    running_stop_.reset();
    save_locked();
  }
}

void LoadJobs::run_one(LoadJob& job) {
  const auto set = [&](auto&& change) {
    std::lock_guard lock(mutex_);
    change();
  };
  for (const std::string& dependency : job.request.dependencies) {
    const auto d = find(dependency);
    if (!d || d->status != LoadStatus::Completed) {
      set([&] {
        job.status = LoadStatus::DependencyNotSatisfied;
        job.errors.push_back(
            {"LOAD_FAILED", "the load " + dependency + " it depends on did not complete", "", 0});
      });
      return;
    }
  }
  set([&] {
    job.status = LoadStatus::InProgress;
    job.start_time =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    save_locked();
  });
  LoadOptions options;
  options.inputs = job.request.inputs;
  options.format = job.request.format;
  options.base_iri = job.request.base_iri;
  options.graph_iri = job.request.named_graph;
  options.on_error = job.request.fail_on_error ? OnError::Abort : OnError::Skip;
  options.threads = job.request.threads;
  options.rejects_path = record_.parent_path() / ("staging-load-" + job.id + ".rejects");
  options.cancellation = running_stop_.get();
  const auto start = std::chrono::steady_clock::now();
  LoadStatus outcome = LoadStatus::Completed;
  std::vector<LoadErrorLog> errors;
  LoadReport report;
  try {
    // A queued job waits for the writer before it however long that runs (a cancel still stops it).
    report = database_.load(
        options, [&](const LoadProgress& p) { set([&] { job.records = p.triples; }); },
        Database::TurnWait::Unbounded);
    for (const SyntaxError& e : report.first_rejects)
      errors.push_back({"PARSING_ERROR", e.message, e.file, e.line});
  } catch (const Stopped& s) {
    outcome = s.reason == StopReason::Cancelled ? LoadStatus::CancelledByUser : LoadStatus::Failed;
    errors.push_back(
        {"LOAD_FAILED", std::string("the load ") + s.what() + ": nothing of it was loaded", "", 0});
  } catch (const std::exception& e) {
    outcome = LoadStatus::Failed;
    errors.push_back({"LOAD_FAILED", e.what(), "", 0});
  }
  std::error_code ec;
  std::filesystem::remove(options.rejects_path, ec);  // its lines are in the job's errors
  set([&] {
    job.status = outcome;
    job.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (outcome == LoadStatus::Completed) {
      job.records = report.triples_read + report.rejected;
      job.duplicates = report.duplicates;
      job.parsing_errors = report.rejected;
    }
    job.errors = std::move(errors);
  });
}

void LoadJobs::save_locked() const {
  json jobs = json::array();
  for (const std::string& id : order_) jobs.push_back(to_json(jobs_.at(id)));
  // Written aside and renamed over: a crash leaves the old record or the new one, never half of one.
  const std::filesystem::path temporary = record_.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    // Bytes that are not UTF-8 (a file name's) are replaced rather than thrown on, off the request thread.
    out << json{{"jobs", jobs}}.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    if (!out) return;  // the record is a report: a full disk must not stop the loads
  }
  std::error_code ec;
  std::filesystem::rename(temporary, record_, ec);
}

}  // namespace quiver::server
