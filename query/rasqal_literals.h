// What Rasqal 0.9.33 makes of a typed literal it parses. It rewrites the lexical form of some to a canonical
// one ("0"^^xsd:boolean becomes "false", a dateTime's "+00:00" becomes "-00:00", fractional seconds are cut
// to microseconds) and retypes an integer past a C int as an xsd:decimal. RDF term equality is lexical (RDF
// 1.1 Concepts section 3.3), so the lowering hides such a literal from Rasqal and the front end restores it.
#pragma once

#include <string_view>

namespace quiver::query {

// Whether Rasqal keeps the literal `lexical`^^<`datatype`> (lexical form unescaped) as written: the same
// lexical form and the same datatype. Never call it with a literal of a type derived from xsd:integer whose
// lexical form is not an integer: Rasqal 0.9.33 dereferences NULL on those.
bool rasqal_keeps_literal(std::string_view lexical, std::string_view datatype);

}  // namespace quiver::query
