#include <string>

#include "engine/error.h"
#include "tools/onnx2flat/recogniser.h"

namespace matte::convert {

// Each defined in its network's folder.
extern const Recogniser kRvmMobileNetV3Recogniser, kRvmResNet50Recogniser, kBgmMobileNetV2Recogniser;

std::span<const Recogniser* const> recognisers() {
  static const Recogniser* const kAll[] = {&kRvmMobileNetV3Recogniser, &kRvmResNet50Recogniser,
                                           &kBgmMobileNetV2Recogniser};
  return kAll;
}

const Recogniser& recogniser_of(const Graph& graph) {
  std::string reasons;
  for (const Recogniser* r : recognisers()) {
    const std::string why = r->mismatch(graph);
    if (why.empty()) return *r;
    reasons += (reasons.empty() ? "" : "; ") + std::string(r->title) + ": " + why;
  }
  std::string inputs;
  for (const auto& v : graph.proto().input()) inputs += (inputs.empty() ? "" : " ") + v.name();
  throw Error(graph.origin() + ": no network recognised (inputs: " + (inputs.empty() ? "none" : inputs) + "; " +
              reasons + ")");
}

}  // namespace matte::convert
