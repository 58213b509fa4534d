#include "models/common/rvm_network.h"
#include "models/network.h"
#include "models/rvm_resnet50/backbone.h"
#include "models/rvm_resnet50/layers.h"

namespace matte {

extern const Architecture kRvmResNet50 =
    rvm::architecture<rvm_resnet50::conv_layers, rvm_resnet50::make_backbone>(rvm_resnet50::kArchitecture,
                                                                               "RVM (ResNet50)");

}  // namespace matte
