// Byte layout of keys and values (internal to store/). Every integer is big-endian so that byte order is
// numeric order and RocksDB's default comparator sorts index keys the way the index orders quads.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "store/store.h"

namespace quiver::keys {

inline void put_u64(std::string& out, uint64_t v) {
  const uint64_t big = __builtin_bswap64(v);
  out.append(reinterpret_cast<const char*>(&big), 8);
}
inline uint64_t get_u64(std::string_view in, size_t pos = 0) {
  uint64_t big;
  std::memcpy(&big, in.data() + pos, 8);
  return __builtin_bswap64(big);
}

inline constexpr size_t kQuadKeySize = 32;  // four ids

// Past every quad key that starts with `prefix`.
inline std::string prefix_end(const std::string& prefix) {
  return prefix + std::string(kQuadKeySize + 1 - prefix.size(), '\xff');
}

inline void quad_key(const Quad& q, IndexOrder order, std::string& out) {
  out.clear();
  for (TermId id : permute(q, order)) put_u64(out, id);
}
inline Quad parse_quad_key(std::string_view key, IndexOrder order) {
  return unpermute({get_u64(key, 0), get_u64(key, 8), get_u64(key, 16), get_u64(key, 24)}, order);
}

inline std::string id_key(TermId id) {
  std::string out;
  put_u64(out, id);
  return out;
}

// Meta column family: format marker, statistics and the collision table.
inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kHashBitsKey = "hash_bits";
inline constexpr char kCollisionPrefix = 'c';
inline constexpr char kGraphStatPrefix = 'g';
inline constexpr char kCreatedGraphPrefix = 'e';  // graphs made by CREATE GRAPH: they exist while empty
inline constexpr char kPredicateStatPrefix = 'p';
inline constexpr std::string_view kFormatVersion = "quiver-store-1";
// The change log's last sequence, the sequence up to which it was trimmed, and each consumer's checkpoint.
inline constexpr std::string_view kChangeSequenceKey = "change_sequence";
inline constexpr std::string_view kChangesTrimmedKey = "changes_trimmed_through";
inline constexpr char kChangeCheckpointPrefix = 'k';

inline std::string stat_key(char prefix, TermId id) {
  std::string out(1, prefix);
  put_u64(out, id);
  return out;
}

// Changes column family: a commit's sequence, then a subject whose text statements it changed.
inline std::string change_key(uint64_t sequence, TermId subject) {
  std::string out;
  put_u64(out, sequence);
  put_u64(out, subject);
  return out;
}

}  // namespace quiver::keys
