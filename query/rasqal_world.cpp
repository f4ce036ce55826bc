#include "query/rasqal_world.h"

#include "parser/raptor_handles.h"
#include "query/frontend.h"

namespace quiver::query {
namespace {
using RasqalPool = IdleWorlds<rasqal_world, rasqal_free_world>;
}  // namespace

void RasqalWorldReturn::operator()(rasqal_world* w) const {
  rasqal_world_set_log_handler(w, nullptr, nullptr);
  RasqalPool::instance().give_back(w);
}

RasqalWorld open_rasqal_world() {
  return RasqalWorld(RasqalPool::instance().take([] {
    rasqal_world* w = rasqal_new_world();
    if (!w || rasqal_world_open(w) != 0) {
      if (w) rasqal_free_world(w);
      throw QueryError("cannot initialise the Rasqal SPARQL library");
    }
    return w;
  }));
}

}  // namespace quiver::query
