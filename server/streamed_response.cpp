// answer_streamed(): work that writes a response body (a query's results, a graph's triples) runs as a
// fiber on the request's own thread (producer_fiber.h), after it has a place among the running
// (admission.h). Its first chunks are gathered before the status is decided: a body that ends within them
// is answered whole with its length, or with its error's status; a longer one streams as it comes, the
// work going on only as fast as the client reads.
#include <optional>
#include <string>
#include <tuple>

#include "server/producer_fiber.h"
#include "server/service.h"

namespace quiver::server {
namespace {

// The work of one response, and what the response reads of it. Members go in reverse order: the fiber, run
// to its end if the response ends early, before the places it holds.
struct Job {
  explicit Job(std::chrono::steady_clock::time_point deadline)
      : stop(std::make_shared<Cancellation>(deadline)) {}
  // A response that ends before its work (the server stopping, an exception in the handler) stops the work
  // before its fiber is run to the end.
  ~Job() { stop->cancel(StopReason::ClientGone); }
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  const std::shared_ptr<Cancellation> stop;
  std::optional<Admission::Ticket> ticket;
  std::optional<QueryRegistry::Handle> listed;  // in /sparql/status, cancellable by id
  std::optional<std::string> error;
  int error_status = 500;  // with error
  std::optional<ProducerFiber> fiber;
};

// A stdio stream whose flushes are the fiber's chunks: the writers write through stdio, buffered.
std::FILE* open_stream(ProducerFiber& fiber, const Job& job) {
  struct Cookie {
    ProducerFiber& fiber;
    const Job& job;
  };
  cookie_io_functions_t io{};
  io.write = [](void* cookie, const char* data, size_t size) -> ssize_t {
    auto& c = *static_cast<Cookie*>(cookie);
    if (c.job.error) return static_cast<ssize_t>(size);  // the rest of a failed body is dropped
    return c.fiber.emit({data, size}) ? static_cast<ssize_t>(size) : -1;
  };
  io.close = [](void* cookie) {
    delete static_cast<Cookie*>(cookie);
    return 0;
  };
  auto* cookie = new Cookie{fiber, job};
  std::FILE* file = fopencookie(cookie, "w", io);
  if (!file) {
    delete cookie;
    return nullptr;
  }
  std::setvbuf(file, nullptr, _IOFBF, 64 << 10);
  return file;
}

// The fiber's body: the work, writing into the stream, its error kept for the response.
void produce(Job& job, const StreamedWork& work, ProducerFiber& fiber) {
  std::FILE* out = open_stream(fiber, job);
  try {
    if (!out) throw std::runtime_error("cannot open the response stream");
    work.produce(out, *job.stop);
  } catch (...) {
    std::tie(job.error_status, job.error) = answer_of(std::current_exception());
  }
  if (out) std::fclose(out);  // writes what the stream still buffers
  // Once a client has its answer, the work is no longer listed nor counted among the running.
  job.listed.reset();
  job.ticket.reset();
}

}  // namespace

void answer_streamed(Service& service, httplib::Response& res, StreamedWork work) {
  auto job = std::make_shared<Job>(work.deadline);
  // Listed while it waits for its turn too, so that a stop's cancel_all reaches it there.
  job->listed.emplace(service.queries.add(work.listed_as, job->stop));
  job->ticket = service.admission.enter(*job->stop);
  if (!job->ticket)
    return answer_error(res, 503,
                        job->stop->stopped()
                            ? "the request ran out of time waiting for a turn, or was cancelled"
                            : "the server is busy: every thread is running a query and the line is full");
  const std::string content_type = work.content_type;
  job->fiber.emplace(
      [&job = *job, work = std::move(work)](ProducerFiber& fiber) { produce(job, work, fiber); });

  // Two chunks are read before answering: a body that ends within them goes whole, with its length.
  std::string head;
  for (int i = 0; i < 2 && job->fiber->resume(); ++i) head.append(job->fiber->chunk());
  if (job->error && head.empty()) return answer_error(res, job->error_status, *job->error);
  if (!job->fiber->resume()) {
    if (job->error) return answer_error(res, job->error_status, *job->error);
    return res.set_content(std::move(head), content_type);
  }
  head.append(job->fiber->chunk());
  res.status = 200;
  res.set_chunked_content_provider(
      content_type,
      [job, head = std::move(head)](size_t, httplib::DataSink& sink) {
        // The body is written within the work's time too: a client reading too slowly is cut off.
        if (!sink.write(head.data(), head.size())) return false;
        while (job->fiber->resume()) {
          const std::string_view chunk = job->fiber->chunk();
          if (job->stop->stopped() || !sink.write(chunk.data(), chunk.size())) return false;
        }
        // An error after the first bytes can no longer change the status: the response is cut short, which
        // clients report as an incomplete transfer.
        if (job->error) return false;
        sink.done();
        return true;
      },
      [job](bool success) {
        // The client went away or the work failed: the work stops, and the fiber is run to its end when the
        // job goes.
        if (!success) job->stop->cancel(StopReason::ClientGone);
      });
}

}  // namespace quiver::server
