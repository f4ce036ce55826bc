// Rasqal worlds from a process-wide pool, as Raptor's (parser/raptor_handles.h): a world initialises
// libxml2 when opened and may clean up libxml2's global state when freed, neither safe while other threads
// parse. So worlds are made under a lock, handed back instead of freed (also when a thread ends: a server's
// threads come and go), and freed once when the process ends, under the lock Raptor's pool takes too
// (parser/raptor_handles.h: a Rasqal world makes a Raptor world of its own). One thread uses a world at a
// time.
#pragma once

#include <rasqal.h>

#include <memory>

namespace quiver::query {

struct RasqalWorldReturn {
  void operator()(rasqal_world* w) const;
};
using RasqalWorld = std::unique_ptr<rasqal_world, RasqalWorldReturn>;

// An opened world from the pool; its log handler is cleared when it comes back.
RasqalWorld open_rasqal_world();

}  // namespace quiver::query
