// Writing a tool's JSON report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace matte::cli {

// Writes `doc` (indented, trailing newline) to `path`; throws Error naming the path on failure.
void write_json(const std::string& path, const nlohmann::ordered_json& doc);

}  // namespace matte::cli
