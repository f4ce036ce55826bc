// Bearer tokens with a role (--auth-token-file): without a file every request is let in; with one, every
// request but /health needs a token whose role covers it. Internal to server/.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <map>
#include <string>

namespace quiver::server {

// Each role covers those before it. Read: queries and graph reads. Write: updates and Graph Store writes.
// Admin: load jobs and cancelling running work.
enum class Role { Read, Write, Admin };

class Tokens {
 public:
  Tokens() = default;  // no tokens: every request is let in
  // Reads "ROLE TOKEN" lines (read, write or admin; '#' starts a comment). Throws ServerError, naming the
  // line, for a file that cannot be read, a line that is not one, or a file without tokens.
  static Tokens read(const std::filesystem::path& file);
  bool enabled() const { return !roles_.empty(); }
  // Whether the request carries a token that covers `needed`; when not, answers 401 (no token, or an unknown
  // one) or 403 (a token whose role falls short) and returns false.
  bool admit(const httplib::Request& req, httplib::Response& res, Role needed) const;

 private:
  std::map<std::string, Role> roles_;
};

}  // namespace quiver::server
