#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "engine/database.h"

namespace quiver::cli {

int init_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db;
  options.add_options()("db", po::value(&db)->required(), "store directory to create");
  po::variables_map vm;
  if (!parse_command_line(args, "quiver init --db DIR",
                          "Creates an empty store (loads and updates also create one on a new path).\n"
                          "A directory that already holds a store is left as it is.",
                          options, vm))
    return kOk;
  auto database = Database::open(db);
  std::printf(database->created() ? "created an empty store at %s\n" : "%s already holds a store\n",
              db.c_str());
  return kOk;
}

}  // namespace quiver::cli
