#include "models/common/rvm_network.h"
#include "models/network.h"
#include "models/rvm_mobilenetv3/backbone.h"
#include "models/rvm_mobilenetv3/layers.h"

namespace matte {

extern const Architecture kRvmMobileNetV3 =
    rvm::architecture<rvm::conv_layers, rvm::make_mobilenetv3_backbone>(rvm::kArchitecture, "RVM (MobileNetV3)");

}  // namespace matte
