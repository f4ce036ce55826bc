#include "server/auth.h"

#include <fstream>
#include <sstream>

#include "server/server.h"
#include "server/service.h"

namespace quiver::server {
namespace {

const char* role_name(Role role) {
  switch (role) {
    case Role::Read:
      return "read";
    case Role::Write:
      return "write";
    case Role::Admin:
      return "admin";
  }
  return "?";
}

// Compares without stopping at the first difference, so that the time taken says nothing about a token.
bool same(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() != b.size();
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

}  // namespace

Tokens Tokens::read(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ServerError("cannot read the token file " + file.string());
  Tokens tokens;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string role, token, extra;
    if (!(words >> role)) continue;  // blank or a comment
    if (!(words >> token) || (words >> extra))
      throw ServerError(file.string() + ":" + std::to_string(number) + ": a line is 'ROLE TOKEN'");
    if (role == "read")
      tokens.roles_[token] = Role::Read;
    else if (role == "write")
      tokens.roles_[token] = Role::Write;
    else if (role == "admin")
      tokens.roles_[token] = Role::Admin;
    else
      throw ServerError(file.string() + ":" + std::to_string(number) +
                        ": the role is read, write or admin, not '" + role + "'");
  }
  if (tokens.roles_.empty()) throw ServerError("the token file " + file.string() + " holds no tokens");
  return tokens;
}

bool Tokens::admit(const httplib::Request& req, httplib::Response& res, Role needed) const {
  if (roles_.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  const std::string scheme = "Bearer ";
  const std::string token = header.starts_with(scheme) ? header.substr(scheme.size()) : "";
  const Role* role = nullptr;
  for (const auto& [known, r] : roles_)
    if (same(known, token)) role = &r;
  if (!role) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"quiver\"");
    answer_error(res, 401,
                 token.empty() ? "this server needs a token: send 'Authorization: Bearer TOKEN'"
                               : "the token is not one of this server's");
    return false;
  }
  if (*role < needed) {
    answer_error(res, 403,
                 std::string("this needs a ") + role_name(needed) + " token; the one sent is a " +
                     role_name(*role) + " token");
    return false;
  }
  return true;
}

}  // namespace quiver::server
