// quiver fts: the full-text index from the shell. search (a quick look: subjects and scores as a table),
// status (how far the index is behind the store) and rebuild (recreate it from the store).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "engine/database.h"
#include "parser/rdf_writer.h"

namespace quiver::cli {
namespace {

int search(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, type = "simple_query_string", language;
  std::vector<std::string> fields, words;
  size_t limit = 20;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "field", po::value(&fields), "search this predicate's values only (an IRI; repeatable)")(
      "type", po::value(&type)->default_value(type),
      "simple_query_string|query_string|match|prefix|fuzzy|term, as Neptune's queryType")(
      "lang", po::value(&language), "stem the words as this language's (a language tag)")(
      "limit", in_range<size_t>(&limit, 1, 1'000'000, "limit"), "how many subjects to show")(
      "text", po::value(&words), "the text to search for");
  po::variables_map vm;
  if (!parse_command_line(args, "quiver fts search --db DIR TEXT... [--field IRI] [--type T] [--lang TAG]",
                          "Searches the store's full-text index and prints the subjects found, best first,\n"
                          "with their relevance scores (BM25).",
                          options, vm, "text"))
    return kOk;
  fulltext::SearchRequest request;
  const auto query_type = fulltext::query_type_named(type);
  if (!query_type) throw UsageError("unknown --type '" + type + "'");
  request.type = *query_type;
  for (const auto& w : words) request.text += (request.text.empty() ? "" : " ") + w;
  if (request.text.empty()) throw UsageError("give the text to search for (see --help)");
  request.fields = fields;
  request.language = language;
  request.max_results = limit;
  auto database = Database::open(db, DatabaseOptions::read_only());
  const auto hits = database->text_search(request);
  std::printf("%10s  %s\n", "score", "subject");
  for (const auto& hit : hits) {
    const auto subject = database->term(hit.subject);
    std::printf("%10.4f  %s\n", hit.score, subject ? to_ntriples(*subject).c_str() : "(unknown)");
  }
  std::fprintf(stderr, "%zu subject%s\n", hits.size(), hits.size() == 1 ? "" : "s");
  return kOk;
}

// The store directory of a command whose only option is --db; nullopt when --help was asked for.
std::optional<std::string> store_option(const std::vector<std::string>& args, const std::string& usage,
                                        const std::string& summary) {
  po::options_description options("Options");
  std::string db;
  options.add_options()("db", po::value(&db)->required(), "store directory");
  po::variables_map vm;
  if (!parse_command_line(args, usage, summary, options, vm)) return std::nullopt;
  return db;
}

int status(const std::vector<std::string>& args) {
  const auto db = store_option(args, "quiver fts status --db DIR",
                               "Shows how many subjects the full-text index holds and which of the store's\n"
                               "commits it reflects.");
  if (!db) return kOk;
  auto database = Database::open(*db, DatabaseOptions::read_only());
  const auto s = database->text_index_status();
  std::printf("documents: %lu\napplied sequence: %lu\nstore sequence: %lu\nbehind by: %lu commits\n",
              static_cast<unsigned long>(s.documents), static_cast<unsigned long>(s.applied_sequence),
              static_cast<unsigned long>(s.store_sequence),
              static_cast<unsigned long>(s.store_sequence - std::min(s.store_sequence, s.applied_sequence)));
  return kOk;
}

int rebuild(const std::vector<std::string>& args) {
  const auto db =
      store_option(args, "quiver fts rebuild --db DIR",
                   "Recreates the full-text index from the store's statements (the index follows\n"
                   "the store by itself; this is for an index that was lost or damaged).");
  if (!db) return kOk;
  DatabaseOptions open;
  open.mode = DatabaseOptions::Mode::ReadWrite;
  auto database = Database::open(*db, open);
  auto last = std::chrono::steady_clock::now();
  database->rebuild_text_index([&](uint64_t subjects) {
    if (std::chrono::steady_clock::now() - last < std::chrono::seconds(1)) return;
    last = std::chrono::steady_clock::now();
    std::fprintf(stderr, "indexed %lu subjects...\n", static_cast<unsigned long>(subjects));
  });
  const auto s = database->text_index_status();
  std::fprintf(stderr, "indexed: %lu subjects with text\n", static_cast<unsigned long>(s.documents));
  return kOk;
}

}  // namespace

int fts_command(const std::vector<std::string>& args) {
  const std::string usage =
      "Usage: quiver fts <search|status|rebuild> --db DIR [options]\n\n"
      "The store's full-text index, which SPARQL reaches through SERVICE neptune-fts:search.\n"
      "  search   print the subjects whose text matches, with their scores\n"
      "  status   how many subjects it holds and how far it is behind the store\n"
      "  rebuild  recreate it from the store\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? kUsage : kOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "search") return search(rest);
  if (args[0] == "status") return status(rest);
  if (args[0] == "rebuild") return rebuild(rest);
  throw UsageError("unknown fts command '" + args[0] + "': search, status or rebuild");
}

}  // namespace quiver::cli
