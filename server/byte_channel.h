// Bytes handed from the thread that runs a query to the thread that writes the HTTP response, in chunks,
// with back-pressure: a writer that gets ahead of the client waits, so a large result is never held whole,
// and a client gone away stops the writer (its next write fails and the query is cancelled).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "store/cancellation.h"

namespace quiver::server {

class ByteChannel {
 public:
  // A writer waiting for room gives up once its query's `stop` says so (cancelled, or past its deadline): a
  // client that reads slowly, or not at all, holds its query's worker no longer than the query's time.
  explicit ByteChannel(std::shared_ptr<const Cancellation> stop, size_t max_chunks = 16)
      : max_chunks_(max_chunks), stop_(std::move(stop)) {}

  // Producer side. write() waits while the channel is full; false once the consumer has closed it, or the
  // writer has given up waiting.
  bool write(const char* data, size_t size);
  // The end of the bytes: `error` set when the producer failed, with what the consumer should report.
  void finish(std::optional<std::string> error = std::nullopt);

  // Consumer side. Waits until the first bytes or the end; then whether bytes came first.
  bool wait_started();
  // The error the producer finished with, once it has finished.
  std::optional<std::string> error() const;
  // The next chunk; false at the end (check error()).
  bool next(std::string& chunk);
  // The consumer goes away: writes fail from now on.
  void close();

  // A stdio stream writing into the channel (buffered: a flush is one chunk), closed by the caller.
  std::FILE* open_file();

 private:
  const size_t max_chunks_;
  const std::shared_ptr<const Cancellation> stop_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  bool finished_ = false, closed_ = false;
  std::optional<std::string> error_;
};

}  // namespace quiver::server
