// A producer that pushes its bytes (a query writing its results) run as a fiber on the calling thread. The
// HTTP library pulls a response body chunk by chunk on the connection's own thread; resume() runs the
// producer until it has the next chunk ready, so a body streams without handing the work to another thread
// and back for every response.
#pragma once

#include <boost/context/fiber.hpp>
#include <functional>
#include <string_view>

namespace quiver::server {

class ProducerFiber {
 public:
  // `body` writes through emit(); it runs only inside resume().
  explicit ProducerFiber(std::function<void(ProducerFiber&)> body);
  // An unfinished body is closed (emit() returns false) and run to its end first.
  ~ProducerFiber();
  ProducerFiber(const ProducerFiber&) = delete;
  ProducerFiber& operator=(const ProducerFiber&) = delete;

  // Runs the body until it emits a chunk (true: chunk() holds it until the next resume) or ends (false).
  bool resume();
  std::string_view chunk() const { return chunk_; }

  // From the body: hands `bytes` to the caller of resume() and waits to be resumed; false once closed.
  bool emit(std::string_view bytes);

 private:
  void switch_to_producer();
  void leaving_producer(bool final);
  void arrived_in_producer();

  std::function<void(ProducerFiber&)> body_;
  boost::context::fiber producer_, caller_;
  std::string_view chunk_;
  bool finished_ = false, closed_ = false;
  // For the sanitizers, which must be told of every switch of stacks.
  const void* producer_stack_ = nullptr;
  size_t producer_stack_size_ = 0;
  const void* caller_stack_ = nullptr;
  size_t caller_stack_size_ = 0;
  void* caller_fake_stack_ = nullptr;
  void* producer_fake_stack_ = nullptr;
  void* tsan_producer_ = nullptr;
  void* tsan_caller_ = nullptr;
};

}  // namespace quiver::server
