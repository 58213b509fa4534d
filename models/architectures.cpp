#include <string>

#include "engine/error.h"
#include "models/network.h"

namespace matte {

// Each defined in its network's folder.
extern const Architecture kRvmMobileNetV3, kRvmResNet50, kBgmMobileNetV2;

std::span<const Architecture* const> architectures() {
  static const Architecture* const kAll[] = {&kRvmMobileNetV3, &kRvmResNet50, &kBgmMobileNetV2};
  return kAll;
}

namespace {

const Architecture* find(const std::string& name, std::string& known) {
  for (const Architecture* a : architectures()) {
    if (a->capabilities.architecture == name) return a;
    known += (known.empty() ? "" : ", ") + a->capabilities.architecture;
  }
  return nullptr;
}

}  // namespace

const Architecture& architecture_of(const WeightFile& weights) {
  const auto it = weights.metadata().find("architecture");
  const std::string name = it == weights.metadata().end() ? "none" : it->second;
  std::string known;
  if (const Architecture* a = find(name, known)) return *a;
  throw Error(weights.origin() + ": architecture '" + name + "' is none of " + known);
}

const Architecture& architecture_named(const std::string& name) {
  std::string known;
  if (const Architecture* a = find(name, known)) return *a;
  throw Error("architecture '" + name + "' is none of " + known);
}

std::vector<Capabilities> supported_networks() {
  std::vector<Capabilities> all;
  for (const Architecture* a : architectures()) all.push_back(a->capabilities);
  return all;
}

StateView Network::state(int) const { throw Error("this network has no recurrent state"); }
std::string Network::weight_file_value(const std::string& name) const {
  throw Error("no weight-file value of setting " + name);
}

}  // namespace matte
