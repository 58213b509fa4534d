#include "models/network.h"
#include "models/common/rvm_network.h"
#include "models/rvm_resnet50/backbone.h"
#include "models/rvm_resnet50/layers.h"

namespace matte {

extern const Architecture kRvmResNet50{
    rvm::capabilities(rvm_resnet50::kArchitecture, "RVM (ResNet50)"),
    rvm::onnx_io(),
    [](const WeightFile& weights) -> std::unique_ptr<Network> {
      return std::make_unique<rvm::Network>(weights, rvm_resnet50::conv_layers(), rvm_resnet50::kArchitecture,
                                            rvm_resnet50::make_backbone);
    }};

}  // namespace matte
