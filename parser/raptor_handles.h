// Raptor objects as owned handles (internal to parser/; query/ shares the worlds' lock).
#pragma once

#include <raptor2.h>

#include <memory>
#include <mutex>
#include <vector>

namespace quiver {

template <class T, void (*Free)(T*)>
struct RaptorFree {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using RaptorHandle = std::unique_ptr<T, RaptorFree<T, Free>>;

using RaptorParser = RaptorHandle<raptor_parser, raptor_free_parser>;
using RaptorSerializer = RaptorHandle<raptor_serializer, raptor_free_serializer>;
using RaptorUri = RaptorHandle<raptor_uri, raptor_free_uri>;
using RaptorTerm = RaptorHandle<raptor_term, raptor_free_term>;
using RaptorIostream = RaptorHandle<raptor_iostream, raptor_free_iostream>;

// Raptor worlds come from a process-wide pool. Opening a world initialises libxml2 and freeing one may clean
// up libxml2's global state; neither is safe while other threads parse. Worlds are therefore made under a
// lock, handed back instead of freed, and freed once when the process ends. One thread uses a world at a
// time.
struct RaptorWorldReturn {
  void operator()(raptor_world* w) const;
};
using RaptorWorld = std::unique_ptr<raptor_world, RaptorWorldReturn>;

// An opened world from the pool, with URI interning off: Raptor would keep every URI it ever saw in a
// world-wide tree, a growing lookup per IRI on a bulk load that buys nothing, since callers copy what they
// keep.
RaptorWorld open_raptor_world();

// The lock under which Raptor worlds, and the Rasqal worlds that make Raptor worlds of their own
// (query/rasqal_world.h), are made and freed: libxml2's global set-up and clean-up must not meet.
std::mutex& world_lifecycle_lock();

// The idle worlds of one library: handed out again instead of freed, and freed when the process ends, all
// under world_lifecycle_lock().
template <class World, void (*Free)(World*)>
class IdleWorlds {
 public:
  static IdleWorlds& instance() {
    static IdleWorlds pool;
    return pool;
  }
  // An idle world, or else what `make` makes.
  template <class Make>
  World* take(Make make) {
    std::lock_guard lock(world_lifecycle_lock());
    if (idle_.empty()) return make();
    World* w = idle_.back();
    idle_.pop_back();
    return w;
  }
  void give_back(World* w) {
    std::lock_guard lock(world_lifecycle_lock());
    idle_.push_back(w);
  }
  // The lock is made first, so that it outlives the pool at exit.
  IdleWorlds() { world_lifecycle_lock(); }
  ~IdleWorlds() {
    std::lock_guard lock(world_lifecycle_lock());
    for (World* w : idle_) Free(w);
  }

 private:
  std::vector<World*> idle_;
};

}  // namespace quiver
