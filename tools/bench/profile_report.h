// matte-bench --profile: the session's per-step times as a per-stage and a per-step table.
#pragma once

#include <ostream>
#include <vector>

#include "engine/matte.h"

namespace matte::cli {

// `entries` summed over `frames` frames whose measured mean was `frame_seconds`; times are shown per
// frame, shares of the measured frame time, and time outside every step as its own row.
void print_profile(std::ostream& out, const std::vector<ProfileEntry>& entries, int frames, double frame_seconds);

}  // namespace matte::cli
