// answer_streamed(): work that writes a response body (a query's results, a graph's triples) runs on a
// worker into a ByteChannel while the handler streams the channel to the client. The status is decided once
// the first bytes, or the work's error, are known.
#include <optional>
#include <string>

#include "server/byte_channel.h"
#include "server/service.h"

namespace quiver::server {
namespace {

// Work running on a worker, and what the response reads of it.
struct Job {
  explicit Job(std::chrono::steady_clock::time_point deadline)
      : stop(std::make_shared<Cancellation>(deadline)), channel(stop) {}
  const std::shared_ptr<Cancellation> stop;
  ByteChannel channel;
  int error_status = 500;  // with channel.error()
};

// Runs the work into the job's channel. `listed` (its entry in the registry) goes before the channel is
// finished: once a client has its answer, the work is no longer listed.
void run(Job& job, std::shared_ptr<QueryRegistry::Handle>& listed, const StreamedWork& work) {
  std::FILE* out = job.channel.open_file();
  std::optional<std::string> error;
  try {
    if (!out) throw std::runtime_error("cannot open the response stream");
    work.produce(out, *job.stop);
  } catch (const query::QueryError& e) {
    job.error_status = status_of(e);
    error = e.what();
  } catch (const DatabaseError& e) {
    job.error_status = status_of(e);
    error = e.what();
  } catch (const Stopped& e) {  // a store walk of work that is not a query (an export)
    job.error_status = 503;
    error = std::string("the request ") + e.what();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "internal error";
  }
  if (out) std::fclose(out);  // writes what the stream still buffers
  listed.reset();
  job.channel.finish(std::move(error));
}

}  // namespace

void answer_streamed(Service& service, httplib::Response& res, StreamedWork work) {
  auto job = std::make_shared<Job>(work.deadline);
  // Listed (and cancellable by id) from now until its worker is done with it: the job holds the only
  // reference, so that the entry goes when the job lets it go (or is dropped, when the queue is full).
  auto listed = std::make_shared<QueryRegistry::Handle>(service.queries.add(work.listed_as, job->stop));
  const std::string content_type = work.content_type;
  const bool queued = service.workers.submit(
      [job, listed = std::move(listed), work = std::move(work)]() mutable { run(*job, listed, work); });
  if (!queued)
    return answer_error(res, 503,
                        "the server is busy: every worker is running a query and the queue is full");
  if (!job->channel.wait_started()) {  // finished before writing anything: an error, answered with its status
    if (auto error = job->channel.error()) return answer_error(res, job->error_status, *error);
  }
  res.status = 200;
  res.set_chunked_content_provider(
      content_type,
      [job](size_t, httplib::DataSink& sink) {
        // The body is written within the work's time too: a client reading too slowly is cut off.
        for (std::string chunk; job->channel.next(chunk);)
          if (job->stop->stopped() || !sink.write(chunk.data(), chunk.size())) return false;
        // An error after the first bytes can no longer change the status: the response is cut short, which
        // clients report as an incomplete transfer.
        if (job->channel.error()) return false;
        sink.done();
        return true;
      },
      [job](bool success) {
        if (success) return;
        job->stop->cancel(StopReason::ClientGone);  // or the work failed: stop it, free its worker
        job->channel.close();
      });
}

}  // namespace quiver::server
