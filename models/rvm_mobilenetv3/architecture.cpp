#include "models/network.h"
#include "models/common/rvm_network.h"
#include "models/rvm_mobilenetv3/layers.h"
#include "models/rvm_mobilenetv3/backbone.h"

namespace matte {

extern const Architecture kRvmMobileNetV3{
    rvm::capabilities(rvm::kArchitecture, "RVM (MobileNetV3)"),
    rvm::onnx_io(),
    [](const WeightFile& weights) -> std::unique_ptr<Network> {
      return std::make_unique<rvm::Network>(weights, rvm::conv_layers(), rvm::kArchitecture,
                                            rvm::make_mobilenetv3_backbone);
    }};

}  // namespace matte
