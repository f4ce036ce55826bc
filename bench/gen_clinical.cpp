// quiver-gen: a deterministic generator of a clinical knowledge graph for benchmarks and demos.
// An ontology with a deep rdfs:subClassOf hierarchy and SKOS labels, documents (study protocols,
// publications, clinical activities) with sections, dates and abstracts, and entities extracted from them
// linked to ontology concepts with Zipf-like popularity. N-Triples, or N-Quads with one named graph per
// source.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "generator_output.h"

namespace {

constexpr const char* kWords[] = {
    "myocardial",    "infarction",    "cardiac",         "arrest",       "hypertension",  "diabetes",
    "mellitus",      "insulin",       "resistance",      "chronic",      "kidney",        "disease",
    "renal",         "failure",       "acute",           "respiratory",  "distress",      "syndrome",
    "pneumonia",     "sepsis",        "stroke",          "ischemic",     "hemorrhagic",   "atrial",
    "fibrillation",  "heart",         "coronary",        "artery",       "bypass",        "angioplasty",
    "stent",         "thrombosis",    "embolism",        "pulmonary",    "asthma",        "bronchitis",
    "obstructive",   "lung",          "carcinoma",       "tumor",        "metastatic",    "breast",
    "cancer",        "prostate",      "colorectal",      "leukemia",     "lymphoma",      "melanoma",
    "chemotherapy",  "radiotherapy",  "immunotherapy",   "randomized",   "controlled",    "trial",
    "placebo",       "double",        "blind",           "cohort",       "study",         "patients",
    "adults",        "children",      "elderly",         "dose",         "efficacy",      "safety",
    "adverse",       "events",        "outcome",         "mortality",    "morbidity",     "hospital",
    "admission",     "readmission",   "follow",          "up",           "baseline",      "endpoint",
    "primary",       "secondary",     "analysis",        "statistical",  "significant",   "reduction",
    "increase",      "risk",          "factor",          "blood",        "pressure",      "glucose",
    "cholesterol",   "lipid",         "statin",          "aspirin",      "anticoagulant", "warfarin",
    "heparin",       "antibiotic",    "vaccine",         "infection",    "viral",         "bacterial",
    "inflammation",  "arthritis",     "rheumatoid",      "osteoporosis", "fracture",      "surgery",
    "postoperative", "complication",  "anesthesia",      "pain",         "opioid",        "depression",
    "anxiety",       "schizophrenia", "dementia",        "alzheimer",    "parkinson",     "epilepsy",
    "seizure",       "migraine",      "obesity",         "nutrition",    "exercise",      "smoking",
    "cessation",     "alcohol",       "liver",           "cirrhosis",    "hepatitis",     "pancreatitis",
    "gastric",       "ulcer",         "bowel",           "transplant",   "dialysis",      "biomarker",
    "genetic",       "mutation",      "expression",      "protein",      "enzyme",        "receptor",
    "inhibitor",     "agonist",       "pharmacokinetics"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

const std::string kEx = "http://example.org/clinical/";
const std::string kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const std::string kRdfs = "http://www.w3.org/2000/01/rdf-schema#";
const std::string kSkos = "http://www.w3.org/2004/02/skos/core#";
const std::string kOwl = "http://www.w3.org/2002/07/owl#";
const std::string kDct = "http://purl.org/dc/terms/";
const std::string kXsd = "http://www.w3.org/2001/XMLSchema#";

class Generator {
 public:
  Generator(uint64_t triples, uint64_t seed, uint64_t part, bool quads, std::FILE* out)
      : target_(triples), rng_(seed + part), part_(part), quads_(quads), out_(out) {}

  // Part 0 holds the ontology and the first documents; part K > 0 holds only documents numbered from K * 1e9,
  // as a pipeline's later delivery would, linking to the same ontology.
  void run() {
    const uint64_t concepts = std::max<uint64_t>(50, target_ / 60);
    for (uint64_t c = 0; part_ == 0 && c < concepts && emitted_ < target_; ++c) ontology_class(c);
    concepts_ = concepts;
    entities_ = part_ * 1'000'000'000ULL;
    for (uint64_t d = part_ * 1'000'000'000ULL; emitted_ < target_; ++d) document(d);
  }

 private:
  uint64_t uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  // Log-uniform rank in [0, n): a few items are very popular, most are rare (Zipf with s = 1).
  uint64_t zipf(uint64_t n) {
    return std::min<uint64_t>(n - 1, static_cast<uint64_t>(std::pow(n + 1.0, unit())) - 1);
  }

  std::string words(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      if (i) s += ' ';
      s += kWords[zipf(kWordCount)];
    }
    return s;
  }
  static std::string iri(const std::string& s) { return "<" + s + ">"; }
  static std::string lit(const std::string& s) { return "\"" + s + "\""; }
  static std::string lang(const std::string& s, const char* tag) { return "\"" + s + "\"@" + tag; }
  static std::string typed(const std::string& s, const char* type) {
    return "\"" + s + "\"^^<" + kXsd + type + ">";
  }

  void emit(const std::string& s, const std::string& p, const std::string& o) {
    if (emitted_ >= target_) return;
    std::fputs(s.c_str(), out_);
    std::fputc(' ', out_);
    std::fputs(p.c_str(), out_);
    std::fputc(' ', out_);
    std::fputs(o.c_str(), out_);
    if (quads_) std::fprintf(out_, " <%ssource/%s>", kEx.c_str(), graph_.c_str());
    std::fputs(" .\n", out_);
    ++emitted_;
  }

  std::string concept_iri(uint64_t c) { return iri(kEx + "concept/C" + std::to_string(c)); }

  void ontology_class(uint64_t c) {
    graph_ = "ontology";
    const std::string s = concept_iri(c);
    const std::string label = words(1 + uniform(3));
    emit(s, iri(kRdf + "type"), iri(kOwl + "Class"));
    // Parents are recent classes, so chains run deep (hundreds of levels over a large ontology).
    if (c > 0) emit(s, iri(kRdfs + "subClassOf"), concept_iri(c - 1 - std::min<uint64_t>(c - 1, zipf(8))));
    emit(s, iri(kRdfs + "label"), lang(label, "en"));
    emit(s, iri(kSkos + "prefLabel"), lit(label));
    if (unit() < 0.5) emit(s, iri(kSkos + "altLabel"), lang(words(2), unit() < 0.5 ? "en" : "fr"));
    char notation[32];
    std::snprintf(notation, sizeof notation, "C%06lu", static_cast<unsigned long>(c));
    emit(s, iri(kSkos + "notation"), lit(notation));
  }

  std::string date() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", 1990 + static_cast<unsigned>(uniform(36)),
                  1 + static_cast<unsigned>(uniform(12)), 1 + static_cast<unsigned>(uniform(28)));
    return buf;
  }

  void document(uint64_t d) {
    static const char* kTypes[] = {"StudyProtocol", "Publication", "ClinicalActivity"};
    graph_ = "source" + std::to_string(zipf(12));
    const std::string doc = iri(kEx + "doc/D" + std::to_string(d));
    emit(doc, iri(kRdf + "type"), iri(kEx + kTypes[zipf(3)]));
    emit(doc, iri(kDct + "title"), lit(words(4 + uniform(6))));
    emit(doc, iri(kDct + "date"), typed(date(), "date"));
    emit(doc, iri(kEx + "pageCount"), typed(std::to_string(1 + zipf(400)), "integer"));
    if (unit() < 0.7) emit(doc, iri(kEx + "abstract"), lang(words(20 + uniform(40)), "en"));
    emit(doc, iri(kEx + "source"), iri(kEx + "source/" + graph_));
    const uint64_t sections = 1 + uniform(4);
    for (uint64_t s = 0; s < sections; ++s) {
      const std::string sec = iri(kEx + "doc/D" + std::to_string(d) + "/section/" + std::to_string(s));
      emit(doc, iri(kEx + "hasSection"), sec);
      emit(sec, iri(kEx + "sectionTitle"), lit(words(2 + uniform(3))));
      emit(sec, iri(kEx + "order"), typed(std::to_string(s + 1), "integer"));
      const uint64_t mentions = zipf(8);
      for (uint64_t m = 0; m < mentions; ++m) {
        const std::string ent = iri(kEx + "entity/E" + std::to_string(entities_++));
        emit(ent, iri(kRdf + "type"), iri(kEx + "Mention"));
        emit(ent, iri(kEx + "mentionedIn"), sec);
        emit(ent, iri(kEx + "refersTo"), concept_iri(zipf(concepts_)));
        char conf[16];
        std::snprintf(conf, sizeof conf, "0.%02d", 50 + static_cast<int>(uniform(50)));
        emit(ent, iri(kEx + "confidence"), typed(conf, "decimal"));
        emit(ent, iri(kEx + "extractedAt"),
             typed(date() + "T" + std::to_string(10 + uniform(14)) + ":00:00Z", "dateTime"));
        if (unit() < 0.3) emit(ent, iri(kRdfs + "label"), lit(words(1 + uniform(2))));
      }
    }
  }

  uint64_t target_;
  std::mt19937_64 rng_;
  uint64_t part_;
  bool quads_;
  std::FILE* out_;
  uint64_t emitted_ = 0;
  uint64_t concepts_ = 1;
  uint64_t entities_ = 0;
  std::string graph_;
};

constexpr const char* kUsage =
    "Usage: quiver-gen --triples N [--seed S] [--part K] [--quads] [--out FILE]\n"
    "Writes a deterministic clinical knowledge graph of exactly N statements as N-Triples\n"
    "(or N-Quads with one named graph per source with --quads) to FILE or standard output.\n"
    "--part K (K > 0) writes a later delivery: new documents linked to the same ontology.\n";

}  // namespace

int main(int argc, char** argv) {
  quiver::bench::GeneratorOptions o;
  if (auto status = quiver::bench::parse_generator_options(argc, argv, kUsage, true, o)) return *status;
  return quiver::bench::generate_to_output(
      o, "quiver-gen", [&](std::FILE* out) { Generator(o.triples, o.seed, o.part, o.quads, out).run(); });
}
