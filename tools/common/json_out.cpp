#include "tools/common/json_out.h"

#include <fstream>

#include "engine/error.h"

namespace matte::cli {

void write_json(const std::string& path, const nlohmann::ordered_json& doc) {
  std::ofstream out(path);
  if (!out) throw Error(path + ": cannot open for writing");
  out << doc.dump(2) << "\n";
  if (!out.flush()) throw Error(path + ": write failed");
}

}  // namespace matte::cli
