// Raptor objects as owned handles (internal to parser/).
#pragma once

#include <raptor2.h>

#include <memory>
#include <stdexcept>

namespace quiver {

template <class T, void (*Free)(T*)>
struct RaptorFree {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using RaptorHandle = std::unique_ptr<T, RaptorFree<T, Free>>;

using RaptorWorld = RaptorHandle<raptor_world, raptor_free_world>;
using RaptorParser = RaptorHandle<raptor_parser, raptor_free_parser>;
using RaptorSerializer = RaptorHandle<raptor_serializer, raptor_free_serializer>;
using RaptorUri = RaptorHandle<raptor_uri, raptor_free_uri>;
using RaptorTerm = RaptorHandle<raptor_term, raptor_free_term>;

// An opened world. URI interning is off: Raptor would keep every URI it ever saw in a world-wide tree, a
// growing lookup per IRI on a bulk load that buys nothing, since callers copy what they keep.
inline RaptorWorld open_raptor_world() {
  RaptorWorld world(raptor_new_world());
  if (world) raptor_world_set_flag(world.get(), RAPTOR_WORLD_FLAG_URI_INTERNING, 0);
  if (!world || raptor_world_open(world.get()) != 0)
    throw std::runtime_error("cannot initialise the Raptor RDF library");
  return world;
}

}  // namespace quiver
