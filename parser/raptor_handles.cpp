#include "parser/raptor_handles.h"

#include <mutex>
#include <stdexcept>
#include <vector>

namespace quiver {
namespace {
using RaptorPool = IdleWorlds<raptor_world, raptor_free_world>;
}  // namespace

std::mutex& world_lifecycle_lock() {
  static std::mutex lock;
  return lock;
}

void RaptorWorldReturn::operator()(raptor_world* w) const {
  // Handlers point into the reader that used the world; clear them before it idles.
  raptor_world_set_log_handler(w, nullptr, nullptr);
  RaptorPool::instance().give_back(w);
}

RaptorWorld open_raptor_world() {
  return RaptorWorld(RaptorPool::instance().take([] {
    raptor_world* w = raptor_new_world();
    if (w) raptor_world_set_flag(w, RAPTOR_WORLD_FLAG_URI_INTERNING, 0);
    if (!w || raptor_world_open(w) != 0) {
      if (w) raptor_free_world(w);
      throw std::runtime_error("cannot initialise the Raptor RDF library");
    }
    return w;
  }));
}

}  // namespace quiver
