// Test support: the statistics a store maintains must equal those recomputed from a full scan.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "store/store.h"

namespace quiver::testing {

inline Statistics scanned_statistics(const Store& store) {
  Statistics s;
  std::map<TermId, std::set<TermId>> subjects, objects;
  for (QuadCursor c = store.scan({}); c.valid(); c.next()) {
    const Quad& q = c.quad();
    ++s.quads;
    ++s.graphs[q.g];
    ++s.predicates[q.p].triples;
    subjects[q.p].insert(q.s);
    objects[q.p].insert(q.o);
  }
  for (auto& [p, stats] : s.predicates) {
    stats.distinct_subjects = subjects[p].size();
    stats.distinct_objects = objects[p].size();
  }
  return s;
}

inline void expect_statistics_exact(const Store& store) {
  const Statistics expected = scanned_statistics(store);
  Statistics got = store.statistics();
  EXPECT_EQ(got.quads, expected.quads);
  EXPECT_EQ(got.graphs, expected.graphs);
  ASSERT_EQ(got.predicates.size(), expected.predicates.size());
  for (auto& [p, ps] : expected.predicates) {
    EXPECT_EQ(got.predicates[p].triples, ps.triples);
    EXPECT_EQ(got.predicates[p].distinct_subjects, ps.distinct_subjects);
    EXPECT_EQ(got.predicates[p].distinct_objects, ps.distinct_objects);
  }
}

}  // namespace quiver::testing
