// In-place MSD radix sort (American flag sort) of quads in an index order. Hash ids are close to uniformly
// distributed, so a byte-wise partition beats comparison sorting: after two or three passes the buckets are
// small enough for insertion sort. Needs no memory beyond the array; the top level runs on two threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <thread>

#include "store/store.h"

namespace quiver {

namespace radix_detail {

template <IndexOrder order>
inline uint8_t key_byte(const Quad& q, int byte) {
  constexpr TermId Quad::*fields[4][4] = {{&Quad::s, &Quad::p, &Quad::o, &Quad::g},
                                          {&Quad::p, &Quad::o, &Quad::s, &Quad::g},
                                          {&Quad::o, &Quad::s, &Quad::p, &Quad::g},
                                          {&Quad::g, &Quad::s, &Quad::p, &Quad::o}};
  return static_cast<uint8_t>(q.*fields[static_cast<int>(order)][byte >> 3] >> (56 - 8 * (byte & 7)));
}

constexpr size_t kSmall = 48;

// Partitions [first, first + n) by key byte `byte`; returns the bucket boundaries (257 entries).
template <IndexOrder order>
std::array<size_t, 257> partition(Quad* first, size_t n, int byte) {
  std::array<size_t, 256> count{};
  for (size_t i = 0; i < n; ++i) ++count[key_byte<order>(first[i], byte)];
  std::array<size_t, 257> bounds{};
  for (int b = 0; b < 256; ++b) bounds[b + 1] = bounds[b] + count[b];
  if (count[key_byte<order>(first[0], byte)] == n) return bounds;  // one bucket: nothing moves
  std::array<size_t, 256> next;
  std::copy(bounds.begin(), bounds.end() - 1, next.begin());
  for (int b = 0; b < 256; ++b) {
    while (next[b] < bounds[b + 1]) {
      Quad q = first[next[b]];
      int d = key_byte<order>(q, byte);
      while (d != b) {
        std::swap(q, first[next[d]++]);
        d = key_byte<order>(q, byte);
      }
      first[next[b]++] = q;
    }
  }
  return bounds;
}

template <IndexOrder order>
void sort_from(Quad* first, size_t n, int byte) {
  while (n > kSmall && byte < 32) {
    auto bounds = partition<order>(first, n, byte);
    if (bounds[256] ==
        bounds[key_byte<order>(first[0], byte) + 1] - bounds[key_byte<order>(first[0], byte)]) {
      ++byte;  // all in one bucket: same loop on the next byte, no recursion
      continue;
    }
    for (int b = 0; b < 256; ++b) sort_from<order>(first + bounds[b], bounds[b + 1] - bounds[b], byte + 1);
    return;
  }
  std::sort(first, first + n, IndexLess<order>());
}

}  // namespace radix_detail

template <IndexOrder order>
void radix_sort(Quad* first, Quad* last) {
  using namespace radix_detail;
  const size_t n = last - first;
  if (n < (1 << 16)) return sort_from<order>(first, n, 0);
  // Find the first byte that tells quads apart, partition on it, then split the buckets over two threads.
  int byte = 0;
  std::array<size_t, 257> bounds;
  for (; byte < 32; ++byte) {
    bounds = partition<order>(first, n, byte);
    if (bounds[key_byte<order>(first[0], byte) + 1] - bounds[key_byte<order>(first[0], byte)] != n) break;
  }
  if (byte == 32) return;
  int split = 0;
  while (split < 256 && bounds[split] < n / 2) ++split;
  auto run = [&](int from, int to) {
    for (int b = from; b < to; ++b) sort_from<order>(first + bounds[b], bounds[b + 1] - bounds[b], byte + 1);
  };
  std::thread half([&] { run(0, split); });
  run(split, 256);
  half.join();
}

}  // namespace quiver
