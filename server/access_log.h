// The access log: a line per request on the standard error, buffered and flushed at least every second
// (and when the server stops) rather than written with a system call per request.
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace quiver::server {

std::shared_ptr<spdlog::logger> access_log();

}  // namespace quiver::server
