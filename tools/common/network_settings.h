// The networks' settings (engine/matte.h: Capabilities::settings) as command-line flags: each
// setting of any network this build runs is --<name>, checked against its range before any file
// is read; the session then refuses a setting its network has not, naming the network.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/common/args.h"

namespace matte::cli {

// "--downsample-ratio", "--backbone-scale", ...: each once, in registry order.
std::vector<std::string> setting_flags();

// `options` followed by setting_flags(): a tool's accepted options.
std::vector<std::string> with_setting_flags(std::vector<std::string> options);

// The settings given on the command line, for SessionOptions::settings; throws UsageError for a
// value out of range.
std::vector<std::pair<std::string, std::string>> parse_settings(const Args& args);

// One help line (or more) per setting: the flag, the networks that take it, its range and default.
std::string settings_help();

}  // namespace matte::cli
