#include "parser/raptor_handles.h"

#include <mutex>
#include <stdexcept>
#include <vector>

namespace quiver {
namespace {

struct WorldPool {
  std::vector<raptor_world*> idle;
  ~WorldPool() {
    std::lock_guard lock(world_lifecycle_lock());
    for (raptor_world* w : idle) raptor_free_world(w);
  }
};

WorldPool& pool() {
  static WorldPool instance;
  return instance;
}

}  // namespace

std::mutex& world_lifecycle_lock() {
  static std::mutex lock;
  return lock;
}

void RaptorWorldReturn::operator()(raptor_world* w) const {
  // Handlers point into the reader that used the world; clear them before it idles.
  raptor_world_set_log_handler(w, nullptr, nullptr);
  std::lock_guard lock(world_lifecycle_lock());
  pool().idle.push_back(w);
}

RaptorWorld open_raptor_world() {
  WorldPool& p = pool();
  std::lock_guard lock(world_lifecycle_lock());
  if (!p.idle.empty()) {
    raptor_world* w = p.idle.back();
    p.idle.pop_back();
    return RaptorWorld(w);
  }
  raptor_world* w = raptor_new_world();
  if (w) raptor_world_set_flag(w, RAPTOR_WORLD_FLAG_URI_INTERNING, 0);
  if (!w || raptor_world_open(w) != 0) {
    if (w) raptor_free_world(w);
    throw std::runtime_error("cannot initialise the Raptor RDF library");
  }
  return RaptorWorld(w);
}

}  // namespace quiver
