#include "server/producer_fiber.h"

#include <boost/context/protected_fixedsize_stack.hpp>
#include <memory>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define QUIVER_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUIVER_ASAN_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define QUIVER_TSAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QUIVER_TSAN_FIBERS 1
#endif
#endif
#ifdef QUIVER_ASAN_FIBERS
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef QUIVER_TSAN_FIBERS
#include <sanitizer/tsan_interface.h>
#endif

namespace quiver::server {
namespace {

namespace ctx = boost::context;

// As deep as a thread's own stack: a query runs as deep in a fiber as on a thread. Pages are committed only
// when touched, and each thread keeps its last stack for the next response rather than mapping a new one.
constexpr size_t kStackSize = 8 << 20;

struct SpareStack {
  ~SpareStack() {
    if (stack.sp) ctx::protected_fixedsize_stack(kStackSize).deallocate(stack);
    stack = {};
  }
  ctx::stack_context stack;
};
thread_local SpareStack spare;

// Boost.Context's stack allocator concept, handing out the thread's spare stack when it has one; tells the
// fiber where its stack lies (for the sanitizers).
class ReusedStack {
 public:
  ReusedStack(const void*& bottom, size_t& size) : bottom_(bottom), size_(size) {}
  ctx::stack_context allocate() {
    ctx::stack_context stack = std::exchange(spare.stack, {});
    if (!stack.sp) stack = ctx::protected_fixedsize_stack(kStackSize).allocate();
    bottom_ = static_cast<char*>(stack.sp) - stack.size;
    size_ = stack.size;
    return stack;
  }
  void deallocate(ctx::stack_context& stack) noexcept {
    if (!spare.stack.sp)
      spare.stack = stack;
    else
      ctx::protected_fixedsize_stack(kStackSize).deallocate(stack);
  }

 private:
  const void*& bottom_;
  size_t& size_;
};

}  // namespace

// Only the annotations: the switch itself follows (a resume, or the end of the body). Inlined, so that no
// frame returns between ThreadSanitizer's switch of fibers and the switch of stacks.
[[gnu::always_inline]] inline void ProducerFiber::leaving_producer([[maybe_unused]] bool final) {
#ifdef QUIVER_ASAN_FIBERS
  __sanitizer_start_switch_fiber(final ? nullptr : &producer_fake_stack_, caller_stack_, caller_stack_size_);
#endif
#ifdef QUIVER_TSAN_FIBERS
  __tsan_switch_to_fiber(tsan_caller_, 0);
#endif
}

ProducerFiber::ProducerFiber(std::function<void(ProducerFiber&)> body) : body_(std::move(body)) {
#ifdef QUIVER_TSAN_FIBERS
  // Boost's constructor enters the new stack once to set it up and jumps back without returning: the frame
  // it leaves open goes on the producer's shadow stack (dropped with it), not on this thread's, which would
  // otherwise grow by one frame for every fiber the thread makes.
  tsan_producer_ = __tsan_create_fiber(0);
  void* const creator = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_producer_, 0);
#endif
  producer_ = ctx::fiber(std::allocator_arg, ReusedStack(producer_stack_, producer_stack_size_),
                         [this](ctx::fiber&& caller) {
                           caller_ = std::move(caller);
                           arrived_in_producer();
                           try {
                             body_(*this);
                           } catch (...) {  // the body answers its own errors; none may cross the stacks
                           }
                           finished_ = true;
                           chunk_ = {};
                           leaving_producer(true);
                           return std::move(caller_);
                         });
#ifdef QUIVER_TSAN_FIBERS
  __tsan_switch_to_fiber(creator, 0);
#endif
}

ProducerFiber::~ProducerFiber() {
  closed_ = true;
  while (resume()) {
  }
#ifdef QUIVER_TSAN_FIBERS
  __tsan_destroy_fiber(tsan_producer_);
#endif
}

bool ProducerFiber::resume() {
  if (finished_) return false;
  chunk_ = {};
  switch_to_producer();
  return !finished_;
}

bool ProducerFiber::emit(std::string_view bytes) {
  if (closed_) return false;
  chunk_ = bytes;
  leaving_producer(false);
  caller_ = std::move(caller_).resume();
  arrived_in_producer();
  return !closed_;
}

void ProducerFiber::switch_to_producer() {
#ifdef QUIVER_ASAN_FIBERS
  __sanitizer_start_switch_fiber(&caller_fake_stack_, producer_stack_, producer_stack_size_);
#endif
#ifdef QUIVER_TSAN_FIBERS
  tsan_caller_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_producer_, 0);
#endif
  producer_ = std::move(producer_).resume();
#ifdef QUIVER_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(caller_fake_stack_, nullptr, nullptr);
#endif
}

void ProducerFiber::arrived_in_producer() {
#ifdef QUIVER_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(producer_fake_stack_, &caller_stack_, &caller_stack_size_);
#endif
}

}  // namespace quiver::server
