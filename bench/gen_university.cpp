// quiver-gen-university: a deterministic generator of a university graph for benchmarks, the second data
// shape of the query benchmark beside quiver-gen's clinical graph. In the spirit of the public university
// benchmark (LUBM), with our own schema and code: universities, departments and research groups
// (subOrganizationOf), faculty and students typed with the most specific class of a small rdfs:subClassOf
// hierarchy (queries spell the hierarchy out as UNIONs or paths, as inference rewriting does), courses,
// publications with several authors, and degrees from universities that close cycles with memberOf /
// subOrganizationOf. Unlike the clinical graph's one deep hierarchy and Zipf-popular concepts, this one has
// many mid-sized hubs: department sizes vary (log-normal), a few courses take most enrolments and a few
// professors advise most students.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "generator_output.h"

namespace {

constexpr const char* kInterests[] = {"databases",
                                      "query optimization",
                                      "graph theory",
                                      "machine learning",
                                      "compilers",
                                      "operating systems",
                                      "networks",
                                      "cryptography",
                                      "computer vision",
                                      "robotics",
                                      "algorithms",
                                      "complexity",
                                      "logic",
                                      "semantic web",
                                      "linguistics",
                                      "bioinformatics",
                                      "numerical analysis",
                                      "statistics",
                                      "topology",
                                      "number theory",
                                      "quantum computing",
                                      "distributed systems",
                                      "human factors",
                                      "software testing",
                                      "type systems",
                                      "information retrieval",
                                      "signal processing",
                                      "control theory",
                                      "economics",
                                      "game theory"};
constexpr size_t kInterestCount = sizeof(kInterests) / sizeof(kInterests[0]);

const std::string kBase = "http://example.org/univ/";  // instances
const std::string kU = "http://example.org/univ#";     // schema
const std::string kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const std::string kRdfs = "http://www.w3.org/2000/01/rdf-schema#";
const std::string kOwl = "http://www.w3.org/2002/07/owl#";
const std::string kXsd = "http://www.w3.org/2001/XMLSchema#";

// The class hierarchy, child then parent; instances carry only the leaf classes (and University,
// Department, ResearchGroup).
constexpr const char* kHierarchy[][2] = {
    {"Person", nullptr},
    {"Employee", "Person"},
    {"Faculty", "Employee"},
    {"Professor", "Faculty"},
    {"FullProfessor", "Professor"},
    {"AssociateProfessor", "Professor"},
    {"AssistantProfessor", "Professor"},
    {"Lecturer", "Faculty"},
    {"Student", "Person"},
    {"UndergraduateStudent", "Student"},
    {"GraduateStudent", "Student"},
    {"Organization", nullptr},
    {"University", "Organization"},
    {"Department", "Organization"},
    {"ResearchGroup", "Organization"},
    {"Work", nullptr},
    {"Course", "Work"},
    {"GraduateCourse", "Course"},
    {"Publication", "Work"},
    {"Article", "Publication"},
    {"JournalArticle", "Article"},
    {"ConferencePaper", "Article"},
    {"TechnicalReport", "Publication"},
};

class Generator {
 public:
  Generator(uint64_t triples, uint64_t seed, std::FILE* out) : target_(triples), rng_(seed), out_(out) {}

  void run() {
    for (const auto& [child, parent] : kHierarchy) {
      emit(cls(child), type_, iri(kOwl + "Class"));
      if (parent) emit(cls(child), iri(kRdfs + "subClassOf"), cls(parent));
    }
    // Degrees point into the first N / 100k universities, all of which this run generates (they come to
    // about 90k triples each), so that the cycles through them have answers.
    universities_ = std::max<uint64_t>(1, target_ / 100'000);
    for (uint64_t u = 0; emitted_ < target_; ++u) university(u);
  }

 private:
  // Per department: its members' IRIs, from which advisors, courses taken and co-authors are drawn.
  struct Department {
    std::string prefix;  // instance IRI prefix, "http://example.org/univ/U3/D5/"
    std::string iri;
    std::vector<std::string> professors;  // full, associate, assistant
    std::vector<std::string> faculty;     // professors then lecturers
    std::vector<std::string> courses, graduate_courses;
    std::vector<std::vector<uint64_t>> teaches, teaches_graduate;  // per faculty member, course indexes
    std::vector<std::string> graduates;
    uint64_t groups = 0;
  };

  uint64_t uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  // Log-uniform rank in [0, n): a few items are very popular, most are rare (Zipf with s = 1).
  uint64_t zipf(uint64_t n) {
    return std::min<uint64_t>(n - 1, static_cast<uint64_t>(std::pow(n + 1.0, unit())) - 1);
  }
  // `count` distinct draws of `draw` (fewer if they keep repeating), so no triple is written twice: the
  // file holds exactly N distinct triples, which the harness checks against Virtuoso's count.
  template <typename Draw>
  std::vector<uint64_t> distinct(uint64_t count, Draw draw, std::vector<uint64_t> taken = {}) {
    std::vector<uint64_t> picked;
    for (int tries = 0; picked.size() < count && tries < 20; ++tries) {
      const uint64_t v = draw();
      if (std::find(taken.begin(), taken.end(), v) != taken.end()) continue;
      taken.push_back(v);
      picked.push_back(v);
    }
    return picked;
  }
  uint64_t scaled(uint64_t base, uint64_t spread, double size) {
    return std::max<uint64_t>(1, static_cast<uint64_t>(std::lround((base + uniform(spread)) * size)));
  }

  static std::string iri(const std::string& s) { return "<" + s + ">"; }
  static std::string cls(const char* name) { return "<" + kU + name + ">"; }
  static std::string prop(const char* name) { return "<" + kU + name + ">"; }
  static std::string lit(const std::string& s) { return "\"" + s + "\""; }
  static std::string integer(uint64_t v) { return "\"" + std::to_string(v) + "\"^^<" + kXsd + "integer>"; }
  std::string university_iri(uint64_t u) { return iri(kBase + "U" + std::to_string(u)); }

  void emit(const std::string& s, const std::string& p, const std::string& o) {
    if (emitted_ >= target_) return;
    std::fputs(s.c_str(), out_);
    std::fputc(' ', out_);
    std::fputs(p.c_str(), out_);
    std::fputc(' ', out_);
    std::fputs(o.c_str(), out_);
    std::fputs(" .\n", out_);
    ++emitted_;
  }

  std::string telephone() {
    char buf[24];
    std::snprintf(buf, sizeof buf, "+1-%03u-%03u-%04u", 200 + static_cast<unsigned>(uniform(800)),
                  static_cast<unsigned>(uniform(1000)), static_cast<unsigned>(uniform(10000)));
    return buf;
  }

  // Name, e-mail and telephone of a person; the e-mail is unique, names repeat across departments.
  void person(const std::string& s, const std::string& local, uint64_t u, uint64_t d) {
    emit(s, prop("name"), lit(local));
    emit(s, prop("emailAddress"),
         lit(local + "@D" + std::to_string(d) + ".U" + std::to_string(u) + ".example.org"));
    emit(s, prop("telephone"), lit(telephone()));
  }

  // Another university most of the time; the own one for a fraction, which closes the cycles.
  std::string degree_from(uint64_t own, double own_share) {
    return university_iri(unit() < own_share ? own : uniform(universities_));
  }

  void university(uint64_t u) {
    const std::string s = university_iri(u);
    emit(s, type_, cls("University"));
    emit(s, prop("name"), lit("University" + std::to_string(u)));
    const uint64_t departments = 10 + uniform(16);
    for (uint64_t d = 0; d < departments && emitted_ < target_; ++d) department(u, d, s);
  }

  void department(uint64_t u, uint64_t d, const std::string& university) {
    Department dep;
    dep.prefix = kBase + "U" + std::to_string(u) + "/D" + std::to_string(d) + "/";
    dep.iri = iri(dep.prefix.substr(0, dep.prefix.size() - 1));
    emit(dep.iri, type_, cls("Department"));
    emit(dep.iri, prop("name"), lit("Department" + std::to_string(d)));
    emit(dep.iri, prop("subOrganizationOf"), university);
    // Department sizes are log-normal: most near the median, a few three or four times it.
    const double size = std::clamp(std::lognormal_distribution<double>(0, 0.5)(rng_), 0.25, 5.0);

    dep.groups = 5 + uniform(10);
    for (uint64_t g = 0; g < dep.groups; ++g) {
      const std::string group = iri(dep.prefix + "ResearchGroup" + std::to_string(g));
      emit(group, type_, cls("ResearchGroup"));
      emit(group, prop("subOrganizationOf"), dep.iri);
    }

    // Faculty first (courses are numbered as they are assigned to their teachers).
    const char* kRanks[] = {"FullProfessor", "AssociateProfessor", "AssistantProfessor", "Lecturer"};
    const uint64_t counts[] = {scaled(3, 5, size), scaled(5, 6, size), scaled(4, 5, size),
                               scaled(2, 4, size)};
    for (int r = 0; r < 4; ++r) {
      for (uint64_t i = 0; i < counts[r]; ++i) {
        const std::string local = kRanks[r] + std::to_string(i);
        const std::string f = iri(dep.prefix + local);
        dep.faculty.push_back(f);
        if (r < 3) dep.professors.push_back(f);
        emit(f, type_, cls(kRanks[r]));
        person(f, local, u, d);
        emit(f, prop("worksFor"), dep.iri);
        if (r == 0 && i == 0) emit(f, prop("headOf"), dep.iri);
        for (uint64_t k : distinct(1 + uniform(2), [&] { return zipf(kInterestCount); }))
          emit(f, prop("researchInterest"), lit(kInterests[k]));
        emit(f, prop("undergraduateDegreeFrom"), degree_from(u, 0.1));
        if (r < 3) emit(f, prop("mastersDegreeFrom"), degree_from(u, 0.1));
        if (r < 3) emit(f, prop("doctoralDegreeFrom"), degree_from(u, 0.1));
        emit(f, prop("age"), integer(30 + uniform(6) * (3 - std::min(r, 2)) + uniform(10)));
        dep.teaches.emplace_back();
        dep.teaches_graduate.emplace_back();
        for (uint64_t c = 1 + uniform(2); c > 0; --c) {
          dep.teaches.back().push_back(dep.courses.size());
          dep.courses.push_back(iri(dep.prefix + "Course" + std::to_string(dep.courses.size())));
          emit(f, prop("teacherOf"), dep.courses.back());
        }
        for (uint64_t c = r < 3 ? 1 + uniform(2) : 0; c > 0; --c) {
          dep.teaches_graduate.back().push_back(dep.graduate_courses.size());
          dep.graduate_courses.push_back(
              iri(dep.prefix + "GraduateCourse" + std::to_string(dep.graduate_courses.size())));
          emit(f, prop("teacherOf"), dep.graduate_courses.back());
        }
      }
    }
    for (size_t c = 0; c < dep.courses.size(); ++c) {
      emit(dep.courses[c], type_, cls("Course"));
      emit(dep.courses[c], prop("name"), lit("Course" + std::to_string(c)));
    }
    for (size_t c = 0; c < dep.graduate_courses.size(); ++c) {
      emit(dep.graduate_courses[c], type_, cls("GraduateCourse"));
      emit(dep.graduate_courses[c], prop("name"), lit("GraduateCourse" + std::to_string(c)));
    }

    // Graduate students: every one has an advisor (a Zipf draw over the professors, so the first few
    // advise most), often takes one of the advisor's courses, and may assist in an undergraduate course.
    const uint64_t graduates = dep.faculty.size() * (3 + uniform(2));
    for (uint64_t i = 0; i < graduates; ++i) {
      const std::string local = "GraduateStudent" + std::to_string(i);
      const std::string s = iri(dep.prefix + local);
      dep.graduates.push_back(s);
      emit(s, type_, cls("GraduateStudent"));
      person(s, local, u, d);
      emit(s, prop("memberOf"), dep.iri);
      if (unit() < 0.6)
        emit(s, prop("memberOf"), iri(dep.prefix + "ResearchGroup" + std::to_string(zipf(dep.groups))));
      emit(s, prop("age"), integer(22 + uniform(10)));
      emit(s, prop("undergraduateDegreeFrom"), degree_from(u, 0.25));
      const uint64_t advisor = zipf(dep.professors.size());
      emit(s, prop("advisor"), dep.professors[advisor]);
      const auto& own = dep.teaches_graduate[advisor];
      std::vector<uint64_t> taken;
      if (!own.empty() && unit() < 0.4) taken.push_back(own[uniform(own.size())]);
      for (uint64_t c : distinct(
               1 + uniform(3), [&] { return zipf(dep.graduate_courses.size()); }, taken))
        taken.push_back(c);
      for (uint64_t c : taken) emit(s, prop("takesCourse"), dep.graduate_courses[c]);
      if (unit() < 0.2) emit(s, prop("teachingAssistantOf"), dep.courses[uniform(dep.courses.size())]);
    }

    // Undergraduates: Zipf enrolment, so course 0 of each department is huge; one in five has an advisor.
    const uint64_t undergraduates = dep.faculty.size() * (8 + uniform(7));
    for (uint64_t i = 0; i < undergraduates; ++i) {
      const std::string local = "UndergraduateStudent" + std::to_string(i);
      const std::string s = iri(dep.prefix + local);
      emit(s, type_, cls("UndergraduateStudent"));
      person(s, local, u, d);
      emit(s, prop("memberOf"), dep.iri);
      emit(s, prop("age"), integer(17 + uniform(8)));
      std::vector<uint64_t> taken = distinct(2 + uniform(3), [&] { return zipf(dep.courses.size()); });
      if (unit() < 0.2) {
        const uint64_t advisor = zipf(dep.professors.size());
        emit(s, prop("advisor"), dep.professors[advisor]);
        const auto& own = dep.teaches[advisor];
        const uint64_t c = own[uniform(own.size())];
        if (unit() < 0.3 && std::find(taken.begin(), taken.end(), c) == taken.end()) taken.push_back(c);
      }
      for (uint64_t c : taken) emit(s, prop("takesCourse"), dep.courses[c]);
    }

    // Publications: senior faculty write more; co-authors are the department's graduate students (the
    // author's advisees are not tracked: any graduate student may co-author).
    const uint64_t per_rank[] = {12, 7, 4, 2};
    size_t f = 0;
    uint64_t publication = 0;
    for (int r = 0; r < 4; ++r) {
      for (uint64_t i = 0; i < counts[r]; ++i, ++f) {
        for (uint64_t n = uniform(2 * per_rank[r] + 1); n > 0; --n) {
          const std::string p = iri(dep.prefix + "Publication" + std::to_string(publication++));
          const double kind = unit();
          emit(p, type_,
               cls(kind < 0.45   ? "JournalArticle"
                   : kind < 0.85 ? "ConferencePaper"
                                 : "TechnicalReport"));
          emit(p, prop("name"), lit("Publication" + std::to_string(publication - 1)));
          emit(p, prop("year"), integer(1990 + uniform(36)));
          emit(p, prop("publicationAuthor"), dep.faculty[f]);
          for (uint64_t a : distinct(uniform(4), [&] { return uniform(dep.graduates.size()); }))
            emit(p, prop("publicationAuthor"), dep.graduates[a]);
        }
      }
    }
  }

  uint64_t target_;
  std::mt19937_64 rng_;
  std::FILE* out_;
  uint64_t emitted_ = 0;
  uint64_t universities_ = 1;
  const std::string type_ = iri(kRdf + "type");
};

constexpr const char* kUsage =
    "Usage: quiver-gen-university --triples N [--seed S] [--out FILE]\n"
    "Writes a deterministic university graph of exactly N triples as N-Triples to FILE or standard\n"
    "output.\n";

}  // namespace

int main(int argc, char** argv) {
  quiver::bench::GeneratorOptions o;
  if (auto status = quiver::bench::parse_generator_options(argc, argv, kUsage, false, o)) return *status;
  return quiver::bench::generate_to_output(o, "quiver-gen-university",
                                           [&](std::FILE* out) { Generator(o.triples, o.seed, out).run(); });
}
