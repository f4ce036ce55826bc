// The joins that take their left rows a batch at a time when their consumer takes every row (next_rows):
// Join and OPTIONAL. A right side looked up in memory joins a whole batch at once (BatchedBindJoin); any
// other is opened or probed per left row, the memory of the probes a few rows ahead fetched first.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "query/operators/batched_bind_join.h"
#include "query/operators/row_streams.h"

namespace quiver::query {

class BatchedLeftRows : public RowStream {
 public:
  size_t next_batch(std::vector<TermId>& cells, size_t width) override;

 protected:
  BatchedLeftRows(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                  std::optional<TermId> graph)
      : ex_(ex), node_(node), left_(std::move(left)), graph_(graph) {}
  // Appends row_ joined with the right side opened or probed for it.
  virtual void join_row(std::vector<TermId>& cells) = 0;
  // The chain's rows for a left row (in row_) come next: begin_left_row(), then joined_row() for each (in
  // out_), then left_row_done(); a left row the chain did not take (`fed` false) gets only the last.
  virtual void begin_left_row() {}
  virtual void joined_row(std::vector<TermId>& cells) = 0;
  virtual void left_row_done(std::vector<TermId>& cells, bool fed) = 0;
  // Whether the chain may take a left row.
  virtual bool feeds(const TermId* /*row*/) const { return true; }
  // Whether next() left a row half done: then next_rows() goes on a row at a time.
  virtual bool row_in_progress() const = 0;
  // Whether next_rows() has begun: next() then takes the rest of its batches (next_of_batches()).
  bool batched() const { return batched_; }
  bool next_of_batches(Row& out);

  Executor& ex_;
  const Node& node_;  // the Join or LeftJoin
  std::unique_ptr<RowStream> left_;
  std::optional<TermId> graph_;
  RightRows right_rows_;
  Row row_, out_;
  std::vector<TermId> left_cells_;  // a batch of left rows, used up to left_pos_
  size_t left_pos_ = 0;

 private:
  // The batch loop: left rows through the chain, or joined one by one.
  size_t join_batch(std::vector<TermId>& cells, size_t width);
  // Whether the right side runs as a batched bind join: a BGP whose every pattern is looked up in memory,
  // led by variables the first left row binds (decided once; a later row that leaves a lead unbound is
  // joined on its own).
  bool chained(size_t width);
  // Hands on the chain's next piece of rows; at the end of the batch, the left rows after the last match.
  void step_chain(std::vector<TermId>& cells, size_t width);
  // Ends the left rows before left row `next` (row_ and current_ on the first not ended).
  void end_left_rows_before(size_t next, std::vector<TermId>& cells, size_t width);
  std::unique_ptr<BatchedBindJoin> chain_;
  bool chain_asked_ = false;
  bool chain_running_ = false;  // over the batch in left_cells_
  std::vector<bool> fed_;       // per left row of the batch: whether the chain took it
  std::vector<TermId> joined_;  // a piece of the chain's rows
  size_t current_ = 0;          // the left row of the batch whose chain rows come next
  bool batched_ = false;
  std::vector<TermId> pending_;  // next() after next_rows(): a batch, used up to pending_pos_
  size_t pending_pos_ = 0;
};

}  // namespace quiver::query
