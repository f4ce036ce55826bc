#include "query/rasqal_literals.h"

#include <rasqal.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "query/rasqal_world.h"

namespace quiver::query {
namespace {

void ignore_message(void*, raptor_log_message*) {}

struct LiteralDeleter {
  void operator()(rasqal_literal* l) const { rasqal_free_literal(l); }
};

}  // namespace

bool rasqal_keeps_literal(std::string_view lexical, std::string_view datatype) {
  // A world of its own, not the parse's in progress, which sends messages to that parse.
  const RasqalWorld world = open_rasqal_world();
  rasqal_world* w = world.get();
  rasqal_world_set_log_handler(w, nullptr, ignore_message);
  // Built the way Rasqal's SPARQL parser builds `"lexical"^^<datatype>`; the literal owns both arguments.
  auto* string = static_cast<unsigned char*>(rasqal_alloc_memory(lexical.size() + 1));
  if (!string) return false;
  std::memcpy(string, lexical.data(), lexical.size());
  string[lexical.size()] = '\0';
  const std::string datatype_text(datatype);
  raptor_uri* uri = raptor_new_uri(rasqal_world_get_raptor(w),
                                   reinterpret_cast<const unsigned char*>(datatype_text.c_str()));
  if (!uri) {
    rasqal_free_memory(string);
    return false;
  }
  std::unique_ptr<rasqal_literal, LiteralDeleter> l(
      rasqal_new_string_literal(w, string, nullptr, uri, nullptr));
  if (!l || !l->string) return false;
  raptor_uri* kept_type = rasqal_literal_datatype(l.get());
  const bool same_type =
      kept_type &&
      std::string_view(reinterpret_cast<const char*>(raptor_uri_as_string(kept_type))) == datatype;
  return same_type && std::string_view(reinterpret_cast<const char*>(l->string), l->string_len) == lexical;
}

}  // namespace quiver::query
