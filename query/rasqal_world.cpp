#include "query/rasqal_world.h"

#include <mutex>
#include <vector>

#include "parser/raptor_handles.h"
#include "query/frontend.h"

namespace quiver::query {
namespace {

struct WorldPool {
  std::vector<rasqal_world*> idle;
  ~WorldPool() {
    std::lock_guard lock(world_lifecycle_lock());
    for (rasqal_world* w : idle) rasqal_free_world(w);
  }
};

WorldPool& pool() {
  static WorldPool instance;
  return instance;
}

}  // namespace

void RasqalWorldReturn::operator()(rasqal_world* w) const {
  rasqal_world_set_log_handler(w, nullptr, nullptr);
  std::lock_guard lock(world_lifecycle_lock());
  pool().idle.push_back(w);
}

RasqalWorld open_rasqal_world() {
  WorldPool& p = pool();
  std::lock_guard lock(world_lifecycle_lock());
  if (!p.idle.empty()) {
    rasqal_world* w = p.idle.back();
    p.idle.pop_back();
    return RasqalWorld(w);
  }
  rasqal_world* w = rasqal_new_world();
  if (!w || rasqal_world_open(w) != 0) {
    if (w) rasqal_free_world(w);
    throw QueryError("cannot initialise the Rasqal SPARQL library");
  }
  return RasqalWorld(w);
}

}  // namespace quiver::query
