// RVM's MobileNetV3-Large encoder (models/rvm_mobilenetv3/layers.h) over the shared head's buffers.
#pragma once

#include <memory>

#include "models/common/rvm_head.h"

namespace matte::rvm {

std::unique_ptr<Backbone> make_mobilenetv3_backbone(const LayerLoader& w);

}  // namespace matte::rvm
