// The queries running on the server, each under an id, so that one can be listed and cancelled
// (/sparql/status, as Neptune's status API).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/cancellation.h"

namespace quiver::server {

// A new random (version 4) UUID: the ids of queries and load jobs.
std::string new_uuid();

class QueryRegistry {
 public:
  struct Running {
    std::string id, text;
    std::chrono::steady_clock::time_point accepted;
    std::shared_ptr<Cancellation> stop;
  };

  // Registers a query until the returned handle goes; its id is new (a random UUID).
  class Handle {
   public:
    Handle(QueryRegistry& registry, std::string id) : registry_(&registry), id_(std::move(id)) {}
    Handle(Handle&& other) noexcept : registry_(other.registry_), id_(std::move(other.id_)) {
      other.registry_ = nullptr;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
      if (registry_) registry_->remove(id_);
    }
    const std::string& id() const { return id_; }

   private:
    QueryRegistry* registry_;
    std::string id_;
  };
  Handle add(std::string text, std::shared_ptr<Cancellation> stop);

  std::vector<Running> running() const;
  uint64_t accepted() const { return accepted_; }
  // Asks the query to stop; false when no query has that id (it may have just finished).
  bool cancel(const std::string& id);
  // Asks every running query to stop for `reason`.
  void cancel_all(StopReason reason);

 private:
  void remove(const std::string& id);

  mutable std::mutex mutex_;
  std::map<std::string, Running> running_;
  std::atomic<uint64_t> accepted_{0};
};

}  // namespace quiver::server
