#include "tools/matte/thread_budget.h"

#include <algorithm>
#include <thread>

namespace matte::cli {

namespace {

int cores() { return std::max(1, int(std::thread::hardware_concurrency())); }

}  // namespace

int decoder_threads() { return std::max(1, cores() / 4); }

int encoder_threads() { return std::max(1, cores() / 2); }

}  // namespace matte::cli
