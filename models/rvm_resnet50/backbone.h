// RVM's ResNet50 encoder (models/rvm_resnet50/layers.h) over the shared head's buffers.
#pragma once

#include <memory>

#include "models/common/rvm_head.h"

namespace matte::rvm_resnet50 {

std::unique_ptr<rvm::Backbone> make_backbone(const LayerLoader& w);

}  // namespace matte::rvm_resnet50
