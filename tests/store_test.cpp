// Store: term encoding round trips, scans for every bound-position combination, statistics, collisions,
// opening.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <random>
#include <set>

#include "loader/loader.h"
#include "store/scan_cache.h"
#include "store/store.h"
#include "store/term_table.h"
#include "store/transaction.h"
#include "tests/support/exact_statistics.h"
#include "tests/support/load_text.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

const std::string kXsd = "http://www.w3.org/2001/XMLSchema#";

struct TermCase {
  Term term;
  bool inlined;
};

std::vector<TermCase> term_cases() {
  return {
      {Term::iri("http://example.org/a"), false},
      {Term::iri("http://example.org/ünïcode#x"), false},
      {Term::literal("plain"), false},
      {Term::literal(""), false},
      {Term::literal("tab\tquote\"newline\n"), false},
      {Term::lang("chat", "fr"), false},
      {Term::lang("colour", "en-gb"), false},
      {Term::typed("x", "http://example.org/custom"), false},
      {Term::typed("42", kXsd + "integer"), true},
      {Term::typed("-7", kXsd + "integer"), true},
      {Term::typed("01", kXsd + "integer"), false},  // not canonical: kept as written
      {Term::typed("+5", kXsd + "integer"), false},
      {Term::typed("123456789012345678901234567890", kXsd + "integer"), false},  // too big to inline
      {Term::typed("2.5", kXsd + "decimal"), true},
      {Term::typed("-0.125", kXsd + "decimal"), true},
      {Term::typed("2.50", kXsd + "decimal"), false},
      {Term::typed("1.5E2", kXsd + "double"), true},
      {Term::typed("1.0e0", kXsd + "double"), false},
      {Term::typed("INF", kXsd + "double"), true},
      {Term::typed("true", kXsd + "boolean"), true},
      {Term::typed("1", kXsd + "boolean"), false},
      {Term::typed("2024-02-29", kXsd + "date"), true},
      {Term::typed("2024-02-29Z", kXsd + "date"), true},
      {Term::typed("2024-02-30", kXsd + "date"), false},  // invalid: kept as written
      {Term::typed("2020-01-02T03:04:05Z", kXsd + "dateTime"), true},
      {Term::typed("2020-01-02T03:04:05.5-05:00", kXsd + "dateTime"), true},
      {Term::typed("2020-01-02T03:04:05.500Z", kXsd + "dateTime"), false},
      {Term::typed("2020-01-02T03:04:05", kXsd + "dateTime"), true},
  };
}

TEST(TermTable, FindsWhatWasInsertedAndKeepsReferencesAcrossGrowth) {
  TermTable table;
  EXPECT_EQ(table.find(7), nullptr);
  const Term& first = table.insert(7, Term::literal("seven"));
  for (TermId id = 100; id < 10100; ++id) table.insert(id * 0x10001, Term::literal(std::to_string(id)));
  EXPECT_EQ(&first, table.find(7));  // the table grew many times; the term did not move
  EXPECT_EQ(first.value, "seven");
  for (TermId id = 100; id < 10100; ++id) {
    const Term* t = table.find(id * 0x10001);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->value, std::to_string(id));
  }
  EXPECT_EQ(table.find(8), nullptr);
  EXPECT_EQ(table.size(), 10001u);
  table.clear();
  EXPECT_EQ(table.find(7), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

// A query's decoded terms are bounded by generations; a reference handed out must outlive the next
// `capacity` decodes (DESCRIBE holds a triple's object while it decodes its subject and predicate). Under
// AddressSanitizer a reference into a freed generation would be a use after free here.
TEST(TermGenerations, ReferencesOutliveCapacityMoreInsertionsAndMemoryStaysBounded) {
  constexpr size_t kCapacity = 100;
  TermGenerations terms(kCapacity);
  const Term& held = terms.insert(1, Term::literal("one"));
  for (TermId id = 2; id <= 1 + kCapacity; ++id) terms.insert(id, Term::literal(std::to_string(id)));
  EXPECT_EQ(held.value, "one");  // a generation turned over; the term's is still there
  EXPECT_EQ(terms.find(1), &held);
  // Held again from the old generation: copied into the young one, so it outlives the next turn-over.
  const Term* kept = terms.hold(1);
  ASSERT_NE(kept, nullptr);
  for (TermId id = 500; id < 500 + kCapacity; ++id) terms.insert(id, Term::literal("y"));
  EXPECT_EQ(kept->value, "one");
  for (TermId id = 1000; id < 1000 + 3 * kCapacity; ++id) terms.insert(id, Term::literal("x"));
  EXPECT_EQ(terms.find(1), nullptr);  // turns later, unused: gone, memory bounded
  EXPECT_EQ(terms.insert(7, Term::literal("seven")).value, "seven");
  EXPECT_EQ(terms.insert(7, Term::literal("ignored")).value, "seven");  // an id is decoded once
}
TEST(TermEncoding, InlineOnlyCanonicalFormsAndDecodeExactly) {
  for (const auto& c : term_cases()) {
    auto id = inline_id(c.term.view());
    EXPECT_EQ(id.has_value(), c.inlined) << to_ntriples(c.term);
    if (id) {
      EXPECT_TRUE(is_inline(*id));
      EXPECT_EQ(decode_inline(*id), c.term) << to_ntriples(c.term);
    }
  }
}

TEST(TermEncoding, InlineIdsOfOneTypeSortByValue) {
  std::vector<std::string> ints = {"-1000", "-3", "0", "7", "12", "99999999"};
  std::vector<std::string> dates = {"1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00.5Z"};
  for (size_t i = 1; i < ints.size(); ++i)
    EXPECT_LT(*inline_id(ints[i - 1], kXsd + "integer"), *inline_id(ints[i], kXsd + "integer"));
  for (size_t i = 1; i < dates.size(); ++i)
    EXPECT_LT(*inline_id(dates[i - 1], kXsd + "dateTime"), *inline_id(dates[i], kXsd + "dateTime"));
}

TEST(TermEncoding, DictionaryBytesRoundTrip) {
  for (const auto& c : term_cases()) {
    Term decoded;
    ASSERT_TRUE(decode_term(encode_term(c.term), decoded));
    EXPECT_EQ(decoded, c.term);
  }
  Term blank = Term::blank("b0");
  Term decoded;
  ASSERT_TRUE(decode_term(encode_term(blank), decoded));
  EXPECT_EQ(decoded, blank);
}

TEST(Store, EveryTermKindRoundTripsThroughALoad) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string text;
  for (const auto& c : term_cases()) text += "<http://s> <http://p> " + to_ntriples(c.term) + " .\n";
  load_text(*store, dir, "terms.nt", text);
  for (const auto& c : term_cases()) {
    auto id = store->find(c.term);
    ASSERT_TRUE(id) << to_ntriples(c.term);
    EXPECT_TRUE(store->contains(
        {*store->find(Term::iri("http://s")), *store->find(Term::iri("http://p")), *id, kDefaultGraph}));
    EXPECT_EQ(store->term(*id), c.term);
  }
  // Language tags are case-insensitive.
  EXPECT_EQ(store->find(Term::lang("colour", "EN-GB")), store->find(Term::lang("colour", "en-gb")));
  // Different RDF terms stay different.
  EXPECT_NE(store->find(Term::typed("1", kXsd + "integer")),
            store->find(Term::typed("01", kXsd + "integer")));
  EXPECT_FALSE(store->find(Term::literal("chat")).has_value());
}

// A small quad set with shared subjects, predicates, objects and graphs.
std::string sample_quads() {
  std::string text;
  for (int s = 0; s < 6; ++s)
    for (int p = 0; p < 3; ++p)
      for (int o = 0; o < 4; ++o) {
        if ((s + p + o) % 3 == 0) continue;
        text += "<http://s" + std::to_string(s) + "> <http://p" + std::to_string(p) + "> ";
        text += (o % 2 ? "\"" + std::to_string(o) + "\"" : "<http://o" + std::to_string(o) + ">");
        if ((s + o) % 4 == 1) text += " <http://g" + std::to_string(o % 2) + ">";
        text += " .\n";
      }
  return text;
}

std::vector<Quad> all_quads(const Store& store) {
  std::vector<Quad> out;
  for (auto c = store.scan({}); c.valid(); c.next()) out.push_back(c.quad());
  return out;
}

// The shared term cache evicts by generations; a cache far smaller than the dictionary must still give back
// every term exactly, one at a time and in batches.
TEST(Store, TermsDecodeExactlyThroughASmallTermCache) {
  TempDir dir;
  StoreOptions options;
  options.term_cache_entries = 40;
  auto store = Store::open(dir / "db", options);
  std::string text;
  std::vector<Term> objects;
  for (int i = 0; i < 500; ++i) {
    objects.push_back(Term::lang("label " + std::to_string(i), "en"));
    text += "<http://e/" + std::to_string(i) + "> <http://e/p> \"label " + std::to_string(i) + "\"@en .\n";
  }
  load_text(*store, dir, "a.nt", text);
  std::vector<TermId> ids;
  for (const Term& t : objects) ids.push_back(*store->find(t));
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(store->term(ids[i]), objects[i]);
    auto batch = store->terms(ids);
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(batch[i], objects[i]);
  }
  EXPECT_EQ(store->terms({ids[0], make_id(IdTag::Iri, 12345)})[1], std::nullopt);
}

TEST(Store, ScansMatchAFilteredFullScanForEveryBoundCombination) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  load_text(*store, dir, "data.nq", sample_quads());
  const std::vector<Quad> all = all_quads(*store);
  ASSERT_GT(all.size(), 30u);
  std::set<TermId> graphs;
  for (const Quad& q : all) graphs.insert(q.g);
  EXPECT_EQ(graphs.size(), 3u);

  for (const Quad& probe : {all[0], all[all.size() / 2], all.back()}) {
    for (int mask = 0; mask < 16; ++mask) {
      QuadPattern pattern;
      if (mask & 1) pattern.s = probe.s;
      if (mask & 2) pattern.p = probe.p;
      if (mask & 4) pattern.o = probe.o;
      if (mask & 8) pattern.g = probe.g;
      std::vector<Quad> expected, got;
      for (const Quad& q : all)
        if ((!pattern.s || q.s == *pattern.s) && (!pattern.p || q.p == *pattern.p) &&
            (!pattern.o || q.o == *pattern.o) && (!pattern.g || q.g == *pattern.g))
          expected.push_back(q);
      for (auto c = store->scan(pattern); c.valid(); c.next()) got.push_back(c.quad());
      auto less = [](const Quad& a, const Quad& b) { return index_less(a, b, IndexOrder::SPOG); };
      std::sort(expected.begin(), expected.end(), less);
      std::sort(got.begin(), got.end(), less);
      EXPECT_EQ(got, expected) << "bound mask " << mask;
    }
  }
  // The default graph alone (GSPO holds named graphs only, so this reads SPOG).
  size_t default_count =
      std::count_if(all.begin(), all.end(), [](const Quad& q) { return q.g == kDefaultGraph; });
  size_t scanned = 0;
  for (auto c = store->scan(QuadPattern{.s = {}, .p = {}, .o = {}, .g = kDefaultGraph}); c.valid(); c.next())
    ++scanned;
  EXPECT_EQ(scanned, default_count);
}

// Every quad a cursor has left to read, in its order.
std::vector<Quad> read_all(QuadCursor cursor) {
  std::vector<Quad> out;
  for (; cursor.valid(); cursor.next()) out.push_back(cursor.quad());
  return out;
}

// Index ranges a scan read whole are kept in memory for later scans of the same state: those must give
// exactly what the index gives, in its order, forwards, backwards, by object interval and filtered by
// graph; a write retires them for newer readers, while older snapshots keep their answers.
TEST(Store, RangesKeptInMemoryAnswerLikeTheIndexAndRetireOnWrites) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string text;
  for (int i = 0; i < 6000; ++i) {
    const std::string s = "<http://e/s" + std::to_string(i) + "> ";
    const std::string g = i % 2 ? " <http://e/g>" : "";
    text +=
        s + "<http://e/p1> \"" + std::to_string((i * 7919) % 5000) + "\"^^<" + kXsd + "integer>" + g + " .\n";
    text += s + "<http://e/p2> <http://e/C" + std::to_string(i % 3 ? 0 : 1) + ">" + g + " .\n";
  }
  load_text(*store, dir, "data.nq", text);
  const TermId p1 = *store->find(Term::iri("http://e/p1")), p2 = *store->find(Term::iri("http://e/p2"));
  const TermId c0 = *store->find(Term::iri("http://e/C0")), g = *store->find(Term::iri("http://e/g"));
  const TermId lo = *store->find(Term::typed("100", kXsd + "integer"));
  const TermId hi = *store->find(Term::typed("2000", kXsd + "integer"));
  auto pattern = [](TermId p, std::optional<TermId> o, std::optional<TermId> g,
                    std::optional<std::pair<TermId, TermId>> range, bool descending) {
    QuadPattern out;
    out.p = p;
    out.o = o;
    out.g = g;
    out.o_range = range;
    out.descending = descending;
    return out;
  };
  const std::vector<QuadPattern> patterns = {
      pattern(p1, {}, {}, {}, false),
      pattern(p1, {}, g, {}, false),
      pattern(p1, {}, {}, {}, true),
      pattern(p1, {}, {}, std::make_pair(lo, hi), false),
      pattern(p1, {}, kDefaultGraph, std::make_pair(lo, hi), true),
      pattern(p2, c0, {}, {}, false),
      pattern(p2, c0, g, {}, true),
  };

  {
    ReadView view(*store);
    for (int round = 0; round < 2; ++round)  // the first reads the index (and records), the second memory
      for (size_t k = 0; k < patterns.size(); ++k) {
        const auto expected = read_all(store->scan(patterns[k]));  // the latest state, never from memory
        ASSERT_GT(expected.size(), 100u);
        EXPECT_EQ(read_all(view.scan(patterns[k])), expected) << "pattern " << k;
      }
    // A scan served from memory shows the quads after its current one (for prefetching ahead of a join).
    const auto expected = read_all(store->scan(patterns[0]));
    auto cursor = view.scan(patterns[0]);
    for (size_t i = 0; i < expected.size(); ++i, cursor.next()) {
      const std::span<const Quad> ahead = cursor.ahead_in_memory();
      ASSERT_EQ(ahead.size(), expected.size() - i - 1);
      if (!ahead.empty()) {
        EXPECT_EQ(ahead.front(), expected[i + 1]);
      }
    }
    EXPECT_TRUE(cursor.ahead_in_memory().empty());
    auto descending = view.scan(patterns[2]);  // served from memory too, but not looked ahead in
    ASSERT_TRUE(descending.valid());
    EXPECT_TRUE(descending.ahead_in_memory().empty());
  }
  ReadView before(*store);
  const QuadPattern all_p1 = pattern(p1, {}, {}, {}, false);
  EXPECT_EQ(read_all(before.scan(all_p1)).size(), 6000u);
  {
    auto txn = store->begin_transaction();
    txn->insert(Quad{*store->find(Term::iri("http://e/s1")), p1, lo, kDefaultGraph});
    txn->commit(false);
  }
  ReadView after(*store);
  EXPECT_EQ(read_all(after.scan(all_p1)).size(), 6001u);
  EXPECT_EQ(read_all(before.scan(all_p1)).size(), 6000u);
}

// A predicate looked up often by subject (or by object) is kept in memory sorted for those lookups: after
// enough lookups they are answered from it, and must give what the index gives, in its order, with the
// other positions bound or not, in either direction; a write retires the copy for newer readers.
TEST(Store, PredicateLookupsFromMemoryAnswerLikeTheIndexAndRetireOnWrites) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string text;
  constexpr int kSubjects = 3000;
  for (int i = 0; i < kSubjects; ++i) {
    const std::string s = "<http://e/s" + std::to_string(i) + "> ";
    text += s + "<http://e/p> <http://e/o" + std::to_string(i % 7) + "> .\n";
    text += s + "<http://e/p> <http://e/o" + std::to_string(i % 11) + "> <http://e/g> .\n";
    if (i % 3 == 0) text += s + "<http://e/q> \"q\" .\n";
  }
  load_text(*store, dir, "data.nq", text);
  const TermId p = *store->find(Term::iri("http://e/p")), g = *store->find(Term::iri("http://e/g"));
  auto subject = [&](int i) { return *store->find(Term::iri("http://e/s" + std::to_string(i))); };
  auto object = [&](int k) { return *store->find(Term::iri("http://e/o" + std::to_string(k))); };
  auto lookups = [&](int i) {
    std::vector<QuadPattern> out;
    out.push_back({subject(i), p, {}, {}});
    out.push_back({subject(i), p, {}, g});
    out.push_back({subject(i), p, {}, kDefaultGraph});
    out.push_back({subject(i), p, object(i % 7), {}});
    out.push_back({{}, p, object(i % 11), g});
    out.push_back({{}, p, object(i % 7), {}});
    out.back().descending = i % 2;
    return out;
  };
  {
    ReadView view(*store);
    for (int round = 0; round < 3; ++round)  // the index, until the lookups have paid for the copies
      for (int i = 0; i < kSubjects; i += round == 2 ? 1 : 3) {
        const auto patterns = lookups(i);
        for (size_t k = 0; k < patterns.size(); ++k) {
          const auto expected = read_all(store->scan(patterns[k]));  // the latest state, never from memory
          ASSERT_FALSE(expected.empty());
          ASSERT_EQ(read_all(view.scan(patterns[k])), expected)
              << "round " << round << " subject " << i << " lookup " << k;
        }
      }
  }
  ReadView before(*store);
  const QuadPattern of_s1 = {subject(1), p, {}, {}};
  const auto old_answer = read_all(before.scan(of_s1));
  {
    auto txn = store->begin_transaction();
    txn->insert(Quad{subject(1), p, object(5), kDefaultGraph});
    txn->commit(false);
  }
  ReadView after(*store);
  EXPECT_EQ(read_all(after.scan(of_s1)).size(), old_answer.size() + 1);
  EXPECT_EQ(read_all(before.scan(of_s1)), old_answer);
}

// Lookups that each read many quads (the subjects of an object) count as many point lookups: a few of them
// reading most of a predicate get it kept in memory for the lookups that follow.
// Concurrent queries looking up the same hot predicate: only one is told to make its range (a sort of all its
// quads); the others go on reading RocksDB until it is made or given up.
TEST(ScanCache, OnlyOneCallerAtATimeIsToldToMakeAPredicateRange) {
  ScanCache cache(size_t{64} << 20);
  const auto size = [] { return uint64_t{5000}; };
  const auto lookup = ScanCache::Lookup::BySubject;
  EXPECT_TRUE(cache.find_predicate(7, lookup, 1, size, 2000).worth_making);
  EXPECT_FALSE(cache.find_predicate(7, lookup, 1, size, 2000).worth_making);  // being made
  EXPECT_TRUE(cache.find_predicate(8, lookup, 1, size, 2000).worth_making);   // another predicate
  cache.made_predicate(7, lookup);  // given up (too large, or the query stopped)
  EXPECT_TRUE(cache.find_predicate(7, lookup, 1, size, 2000).worth_making);
}

TEST(Store, LookupsReadingManyQuadsGetThePredicateKept) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string text;
  for (int i = 0; i < 25000; ++i)
    text +=
        "<http://e/s" + std::to_string(i) + "> <http://e/p> <http://e/o" + std::to_string(i % 5) + "> .\n";
  load_text(*store, dir, "data.nt", text);
  const TermId p = *store->find(Term::iri("http://e/p"));
  ReadView view(*store);
  QuadCursor cursor = view.scan({{}, p, {}, {}});
  EXPECT_FALSE(cursor.lookup_predicate(p, false, false));
  size_t read = 0;
  for (int k = 0; k < 5; ++k) {
    cursor.seek({{}, p, *store->find(Term::iri("http://e/o" + std::to_string(k))), {}});
    for (; cursor.valid(); cursor.next()) ++read;
  }
  EXPECT_EQ(read, 25000u);
  cursor.seek({{}, p, {}, {}});  // the last lookup's quads are counted when the cursor moves on
  EXPECT_TRUE(cursor.lookup_predicate(p, false, false)) << "kept after five lookups read all of it";
}

// A predicate's lookup finds each subject's (object's) quads as the index does, whatever the order of the
// leads asked: increasing ones step forward, with small and large gaps, absent leads among them; others
// go through the lead index.
TEST(Store, PredicateLookupFindsEachLeadsQuadsInAnyOrder) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    const std::string s = "<http://e/s" + std::to_string(i) + "> ";
    text += s + "<http://e/p> <http://e/o" + std::to_string(i % 13) + "> .\n";
    if (i % 3 == 0) text += s + "<http://e/p> <http://e/o" + std::to_string(i % 5) + "> <http://e/g> .\n";
    if (i % 2 == 0) text += s + "<http://e/q> \"q\" .\n";  // absent from p's lookups
  }
  load_text(*store, dir, "data.nq", text);
  const TermId p = *store->find(Term::iri("http://e/p")), q = *store->find(Term::iri("http://e/q"));
  std::vector<TermId> subjects, objects;
  for (QuadCursor c = store->scan({{}, q, {}, {}}); c.valid(); c.next()) subjects.push_back(c.quad().s);
  for (int i = 1; i < 2000; i += 2)
    subjects.push_back(*store->find(Term::iri("http://e/s" + std::to_string(i))));
  for (int k = 0; k < 15; ++k) objects.push_back(*store->find(Term::iri("http://e/o" + std::to_string(k))));
  ReadView view(*store);
  QuadCursor cursor = view.scan({{}, p, {}, {}});
  EXPECT_FALSE(cursor.lookup_predicate(p, true, false)) << "not made before it is asked for";
  for (const bool by_subject : {true, false}) {
    std::vector<TermId> leads = by_subject ? subjects : objects;
    std::sort(leads.begin(), leads.end());
    const std::vector<TermId> ascending = leads;
    std::vector<std::vector<TermId>> orders = {ascending, std::vector<TermId>(leads.rbegin(), leads.rend())};
    std::vector<TermId> gaps, twice, shuffled = leads;
    for (size_t i = 0; i < leads.size(); i += 1 + i % 40) gaps.push_back(leads[i]);  // gaps up to 40 leads
    for (TermId lead : leads) twice.insert(twice.end(), {lead, lead});
    std::mt19937 random(7);
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    orders.insert(orders.end(), {gaps, twice, shuffled});
    for (size_t o = 0; o < orders.size(); ++o) {
      auto lookup = cursor.lookup_predicate(p, by_subject, true);
      ASSERT_TRUE(lookup);
      for (TermId lead : orders[o]) {
        const QuadPattern pattern = by_subject ? QuadPattern{lead, p, {}, {}} : QuadPattern{{}, p, lead, {}};
        const std::span<const Quad> found = lookup->find(lead);
        ASSERT_EQ(std::vector<Quad>(found.begin(), found.end()), read_all(store->scan(pattern)))
            << (by_subject ? "by subject" : "by object") << ", order " << o;
      }
    }
  }
  auto txn = store->begin_transaction();
  EXPECT_FALSE(txn->view().scan({{}, p, {}, {}}).lookup_predicate(p, true, true))
      << "a transaction's view reads its own writes: no ranges from the cache";
}

TEST(Store, StatisticsStayExactAcrossOverlappingLoads) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  load_text(*store, dir, "a.nq", sample_quads());
  expect_statistics_exact(*store);
  // Overlaps the first load: some quads exist, some (s,p) and (p,o) pairs are new, some are not.
  load_text(*store, dir, "b.nt",
            "<http://s0> <http://p1> <http://o0> .\n<http://s0> <http://p1> <http://o9> .\n"
            "<http://s9> <http://p1> <http://o0> .\n<http://s9> <http://p9> \"x\" .\n<http://s1> <http://p0> "
            "\"1\" .\n");
  expect_statistics_exact(*store);
  auto reopened_stats = store->statistics().quads;
  store.reset();
  store = Store::open(dir / "db");
  EXPECT_EQ(store->statistics().quads, reopened_stats);
}

TEST(Store, HashCollisionsAreResolvedNotMerged) {
  TempDir dir;
  StoreOptions options;
  options.hash_bits = 8;  // 256 ids per tag: among 60 IRIs several pairs collide
  auto store = Store::open(dir / "db", options);
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "<http://e/" + std::to_string(i) + "> <http://p> \"v" + std::to_string(i) + "\" .\n";
  load_text(*store, dir, "a.nt", text);
  std::set<TermId> ids;
  for (int i = 0; i < 60; ++i) {
    auto id = store->find(Term::iri("http://e/" + std::to_string(i)));
    ASSERT_TRUE(id) << i;
    EXPECT_EQ(store->term(*id), Term::iri("http://e/" + std::to_string(i)));
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 60u);
  EXPECT_EQ(store->statistics().quads, 60u);
  // More terms later, into the non-empty store, and the table survives reopening.
  std::string more;
  for (int i = 60; i < 90; ++i)
    more += "<http://e/" + std::to_string(i) + "> <http://p> \"v" + std::to_string(i) + "\" .\n";
  load_text(*store, dir, "b.nt", more);
  store.reset();
  store = Store::open(dir / "db");
  for (int i = 0; i < 90; ++i) {
    auto id = store->find(Term::literal("v" + std::to_string(i)));
    ASSERT_TRUE(id) << i;
    EXPECT_EQ(store->term(*id), Term::literal("v" + std::to_string(i)));
  }
  EXPECT_EQ(store->statistics().quads, 90u);
}

// The change log's entries after `after`, as (sequence, subject IRI); nullopt when trimmed past it.
std::optional<std::vector<std::pair<uint64_t, std::string>>> logged_after(const Store& store,
                                                                          uint64_t after) {
  std::vector<std::pair<uint64_t, std::string>> out;
  if (!store.read_changes(after,
                          [&](uint64_t seq, TermId s) { out.emplace_back(seq, store.term(s)->value); }))
    return std::nullopt;
  std::sort(out.begin(), out.end());  // within a sequence, subjects come in id order
  return out;
}

TEST(ChangeLog, EveryWritePathLogsTheSubjectsOfChangedLiteralStatementsAtomically) {
  using Log = std::vector<std::pair<uint64_t, std::string>>;
  TempDir dir;
  auto store = Store::open(dir / "db");
  EXPECT_EQ(store->change_sequence(), 0u);
  // A bulk load: subjects with a literal object, each once; statements with IRI objects are not text.
  load_text(*store, dir, "a.nt",
            "<http://a> <http://p> \"one\" .\n<http://a> <http://q> \"two\"@en .\n"
            "<http://b> <http://p> <http://a> .\n<http://c> <http://n> \"7\"^^<" +
                kXsd + "integer> .\n");
  EXPECT_EQ(logged_after(*store, 0), (Log{{1, "http://a"}, {1, "http://c"}}));
  // A load adding nothing new takes no sequence.
  load_text(*store, dir, "again.nt", "<http://a> <http://p> \"one\" .\n");
  EXPECT_EQ(store->change_sequence(), 1u);
  // A small update (one WriteBatch), removing text too.
  {
    auto txn = store->begin_transaction();
    txn->remove({*store->find(Term::iri("http://a")), *store->find(Term::iri("http://p")),
                 *store->find(Term::literal("one"))});
    txn->insert({txn->intern(Term::iri("http://b")), txn->intern(Term::iri("http://p")),
                 txn->intern(Term::literal("three"))});
    txn->commit(false);
  }
  EXPECT_EQ(logged_after(*store, 1), (Log{{2, "http://a"}, {2, "http://b"}}));
  // A large update, ingested as files.
  {
    auto txn = store->begin_transaction();
    const TermId p = txn->intern(Term::iri("http://p"));
    for (int i = 0; i < 25'000; ++i)
      txn->insert({txn->intern(Term::iri("http://many/" + std::to_string(i))), p,
                   txn->intern(Term::literal("v" + std::to_string(i)))});
    txn->commit(false);
  }
  EXPECT_EQ(store->change_sequence(), 3u);
  EXPECT_EQ(logged_after(*store, 2)->size(), 25'000u);
  // The sequence and the log survive a reopen; a failed transaction (no commit) leaves both alone.
  store.reset();
  store = Store::open(dir / "db");
  EXPECT_EQ(store->change_sequence(), 3u);
  {
    auto txn = store->begin_transaction();
    txn->insert({txn->intern(Term::iri("http://d")), txn->intern(Term::iri("http://p")),
                 txn->intern(Term::literal("never"))});
  }
  EXPECT_EQ(store->change_sequence(), 3u);
  EXPECT_EQ(logged_after(*store, 0)->size(), 25'004u);
}

TEST(ChangeLog, EntriesGoOnceTheSlowestConsumerHasAppliedThem) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  for (int i = 0; i < 3; ++i)
    load_text(*store, dir, std::to_string(i) + ".nt",
              "<http://s" + std::to_string(i) + "> <http://p> \"text\" .\n");
  store->set_change_checkpoint("sync", 1);
  store->set_change_checkpoint("index", 2);
  EXPECT_FALSE(logged_after(*store, 0));  // the first went: a consumer that far behind starts over
  ASSERT_TRUE(logged_after(*store, 1));
  EXPECT_EQ(logged_after(*store, 1)->size(), 2u);
  store->set_change_checkpoint("sync", 3);
  EXPECT_FALSE(logged_after(*store, 1));
  ASSERT_TRUE(logged_after(*store, 2));
  EXPECT_EQ(logged_after(*store, 2)->size(), 1u);
  // Read-only, the log reads the same.
  store.reset();
  StoreOptions read_only;
  read_only.read_only = true;
  store = Store::open(dir / "db", read_only);
  EXPECT_EQ(store->change_sequence(), 3u);
  EXPECT_EQ(logged_after(*store, 2)->size(), 1u);
}

TEST(StoreOpen, RefusesAFileADirectoryOfOtherThingsAMissingStoreAndALockedStore) {
  TempDir dir;
  write_file(dir / "file", "x");
  EXPECT_THROW(
      {
        try {
          Store::open(dir / "file");
        } catch (const StoreError& e) {
          EXPECT_NE(std::string(e.what()).find("it is a file"), std::string::npos) << e.what();
          throw;
        }
      },
      StoreError);
  std::filesystem::create_directories(dir / "other");
  write_file(dir / "other" / "notes.txt", "x");
  EXPECT_THROW(Store::open(dir / "other"), StoreError);
  StoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_THROW(Store::open(dir / "missing", no_create), StoreError);

  auto first = Store::open(dir / "db");
  try {
    Store::open(dir / "db");
    FAIL() << "a second open of a locked store succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST(StoreOpen, RefusesAnUnknownFormatVersion) {
  TempDir dir;
  Store::open(dir / "db").reset();
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : {"default", "terms", "spog", "posg", "ospg", "gspo", "changes"})
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), (dir / "db").string(), cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put({}, handles[0], "format", "quiver-store-99").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  try {
    Store::open(dir / "db");
    FAIL() << "opened a store of an unknown format";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("quiver-store-99"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace quiver::testing
