// Sorting more records than memory holds: records collect in a buffer of a fixed byte budget; a full buffer
// is sorted and spilled to a run file; drain() merges the runs (and the final buffer) into one sorted stream.
// Records must be trivially copyable; duplicates are kept (the consumer sees them adjacent).
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/radix_sort.h"

namespace quiver {

// Sorts [first, last) on two threads: halves in parallel, then an in-place merge.
template <class It, class Less>
void parallel_sort(It first, It last, Less less) {
  const auto n = last - first;
  if (n < (1 << 16)) {
    std::sort(first, last, less);
    return;
  }
  It mid = first + n / 2;
  std::thread half([&] { std::sort(first, mid, less); });
  std::sort(mid, last, less);
  half.join();
  std::inplace_merge(first, mid, last, less);
}

// How a buffer is sorted before it is spilled or drained: generic records by comparison; quads by radix.
template <class Record, class Less>
void sort_block(Record* first, Record* last, Less less) {
  parallel_sort(first, last, less);
}

template <IndexOrder order>
void sort_block(Quad* first, Quad* last, IndexLess<order>) {
  radix_sort<order>(first, last);
}

template <class Record, class Less>
class ExternalSorter {
  static_assert(std::is_trivially_copyable_v<Record>);

 public:
  ExternalSorter(std::filesystem::path dir, std::string name, size_t memory_bytes, Less less = Less())
      : dir_(std::move(dir)), name_(std::move(name)), less_(less) {
    capacity_ = std::max<size_t>(memory_bytes / sizeof(Record), 1024);
  }
  ~ExternalSorter() {
    std::error_code ignored;
    for (auto& run : runs_) std::filesystem::remove(run, ignored);
  }

  void add(const Record* records, size_t n) {
    while (n > 0) {
      if (buffer_.size() == buffer_.capacity())
        buffer_.reserve(std::min(capacity_, std::max<size_t>(2 * buffer_.size(), 64)));
      size_t take = std::min(n, capacity_ - buffer_.size());
      buffer_.insert(buffer_.end(), records, records + take);
      records += take;
      n -= take;
      if (buffer_.size() == capacity_) spill();
    }
  }
  void add(const Record& r) { add(&r, 1); }

  size_t runs() const { return runs_.size(); }
  // Records added and not drained yet.
  uint64_t size() const { return spilled_ + buffer_.size(); }
  size_t memory_bytes() const { return buffer_.capacity() * sizeof(Record); }

  // Calls `sink` with every record in sorted order. The sorter is empty afterwards.
  void drain(const std::function<void(const Record&)>& sink) {
    if (runs_.empty()) {
      sort_block(buffer_.data(), buffer_.data() + buffer_.size(), less_);
      for (const Record& r : buffer_) sink(r);
      std::vector<Record>().swap(buffer_);
      return;
    }
    if (!buffer_.empty()) spill();
    std::vector<Record>().swap(buffer_);
    merge_runs(sink);
  }

 private:
  struct RunReader {
    std::FILE* file = nullptr;
    std::vector<Record> block;
    size_t pos = 0, len = 0;
    ~RunReader() {
      if (file) std::fclose(file);
    }
    bool refill() {
      len = std::fread(block.data(), sizeof(Record), block.size(), file);
      pos = 0;
      return len > 0;
    }
  };

  void spill() {
    if (runs_.empty()) std::filesystem::create_directories(dir_);  // made only when needed
    sort_block(buffer_.data(), buffer_.data() + buffer_.size(), less_);
    auto path = dir_ / (name_ + "-run" + std::to_string(runs_.size()) + ".bin");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!out) throw std::runtime_error("cannot create the sort run file " + path.string());
    if (std::fwrite(buffer_.data(), sizeof(Record), buffer_.size(), out.get()) != buffer_.size() ||
        std::fflush(out.get()) != 0)
      throw std::runtime_error("writing the sort run file " + path.string() + " failed (is the disk full?)");
    runs_.push_back(path);
    spilled_ += buffer_.size();
    buffer_.clear();
  }

  void merge_runs(const std::function<void(const Record&)>& sink) {
    // The read blocks share the sorter's budget, so the merge stays within it however many runs there are.
    const size_t block_records =
        std::clamp<size_t>(capacity_ / runs_.size(), 256, std::max<size_t>((1 << 20) / sizeof(Record), 256));
    std::vector<std::unique_ptr<RunReader>> readers;
    for (auto& path : runs_) {
      auto r = std::make_unique<RunReader>();
      r->file = std::fopen(path.c_str(), "rb");
      if (!r->file) throw std::runtime_error("cannot read the sort run file " + path.string());
      r->block.resize(block_records);
      if (r->refill()) readers.push_back(std::move(r));
    }
    auto greater = [&](RunReader* a, RunReader* b) { return less_(b->block[b->pos], a->block[a->pos]); };
    std::priority_queue<RunReader*, std::vector<RunReader*>, decltype(greater)> heap(greater);
    for (auto& r : readers) heap.push(r.get());
    while (!heap.empty()) {
      RunReader* top = heap.top();
      heap.pop();
      sink(top->block[top->pos]);
      if (++top->pos < top->len || top->refill()) heap.push(top);
    }
    for (auto& run : runs_) std::filesystem::remove(run);
    runs_.clear();
    spilled_ = 0;
  }

  std::filesystem::path dir_;
  std::string name_;
  Less less_;
  size_t capacity_;
  std::vector<Record> buffer_;
  std::vector<std::filesystem::path> runs_;
  uint64_t spilled_ = 0;
};

}  // namespace quiver
