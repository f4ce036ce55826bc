#include "server/access_log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace quiver::server {
namespace {

// Lines to a stream of its own on the standard error's file, fully buffered (stderr itself is not).
class BufferedErrorSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedErrorSink() {
    const int fd = dup(STDERR_FILENO);
    file_ = fd >= 0 ? fdopen(fd, "w") : nullptr;
    if (!file_) {
      if (fd >= 0) close(fd);
      file_ = stderr;  // unbuffered, but nothing lost
    } else {
      std::setvbuf(file_, nullptr, _IOFBF, 64 << 10);
    }
  }
  ~BufferedErrorSink() override {
    if (file_ != stderr) std::fclose(file_);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), file_);
  }
  void flush_() override { std::fflush(file_); }

 private:
  std::FILE* file_;
};

}  // namespace

std::shared_ptr<spdlog::logger> access_log() {
  // One for the process (tests run several servers), registered for spdlog's periodic flusher.
  static const std::shared_ptr<spdlog::logger> log = [] {
    auto made = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedErrorSink>());
    made->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [access] %v");
    spdlog::register_logger(made);
    spdlog::flush_every(std::chrono::seconds(1));
    return made;
  }();
  return log;
}

}  // namespace quiver::server
