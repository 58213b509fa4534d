// Network settings (engine/matte.h: Setting) written as text, checked once for every network.
#pragma once

#include <string>

#include "engine/matte.h"

namespace matte {

// %g: the shortest text most settings' values read back from.
std::string number_text(double value);

// What a setting takes: "a number in (0, 1] or auto", "sampling, thresholding or full".
std::string setting_values_text(const Setting& setting);

// Applies `options` in order to `capabilities`' values after check_setting; throws Error naming
// the network for a setting it has not.
void apply_settings(Capabilities& capabilities, const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace matte
