#include "server/query_registry.h"

#include <cstdio>
#include <random>

namespace quiver::server {

std::string new_uuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t a = random(), b = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

QueryRegistry::Handle QueryRegistry::add(std::string text, std::shared_ptr<Cancellation> stop) {
  Running r{new_uuid(), std::move(text), std::chrono::steady_clock::now(), std::move(stop)};
  std::string id = r.id;
  {
    std::lock_guard lock(mutex_);
    running_.emplace(id, std::move(r));
  }
  ++accepted_;
  return Handle(*this, std::move(id));
}

std::vector<QueryRegistry::Running> QueryRegistry::running() const {
  std::lock_guard lock(mutex_);
  std::vector<Running> out;
  for (const auto& [id, r] : running_) out.push_back(r);
  return out;
}

bool QueryRegistry::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(id);
  if (it == running_.end()) return false;
  it->second.stop->cancel(StopReason::Cancelled);
  return true;
}

void QueryRegistry::cancel_all(StopReason reason) {
  std::lock_guard lock(mutex_);
  for (auto& [id, r] : running_) r.stop->cancel(reason);
}

void QueryRegistry::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  running_.erase(id);
}

}  // namespace quiver::server
