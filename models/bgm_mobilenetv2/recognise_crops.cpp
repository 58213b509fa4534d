#include "models/bgm_mobilenetv2/recognise_crops.h"

#include <cmath>
#include <set>
#include <sstream>

#include "engine/error.h"

namespace matte::convert {

namespace {

// A BGMv2 graph whose patches the engine would crop differently.
[[noreturn]] void unsupported_crop(const Graph& g, const std::string& detail) {
  throw Error(g.origin() + ": unsupported BGMv2 patch crop: " + detail);
}

// A box coordinate as scale·index + offset.
struct Affine {
  std::string index;
  double scale = 1, offset = 0;
};

std::string text(const Affine& a) {
  std::ostringstream out;
  out << a.scale << "*index" << (a.offset < 0 ? "" : "+") << a.offset;
  return out.str();
}

// Follows a box coordinate back through casts and Add/Sub/Mul by constants to the patch index
// (stopping where a cycle would come back).
Affine affine(const Graph& g, std::string value) {
  static const std::set<std::string> pass = {"Cast", "Unsqueeze", "Squeeze", "Identity"};
  Affine a;
  std::set<std::string> seen;
  for (const onnx::NodeProto* n; seen.insert(value).second && (n = g.producer(value)) != nullptr;) {
    const std::string& op = n->op_type();
    if (pass.count(op)) {
      value = n->input(0);
      continue;
    }
    if ((op != "Add" && op != "Sub" && op != "Mul") || n->input_size() != 2) break;
    const auto first = g.scalar(n->input(0)), second = g.scalar(n->input(1));
    if (first.has_value() == second.has_value()) break;
    const double c = first ? *first : *second;
    if (op == "Mul") {
      a.scale *= c;
    } else if (op == "Add" || first) {
      a.offset += a.scale * c;
      if (op == "Sub") a.scale = -a.scale;  // c - x
    } else {
      a.offset -= a.scale * c;
    }
    value = n->input(first ? 1 : 0);
  }
  a.index = value;
  return a;
}

// The box columns x1, y1, x2, y2 of a RoiAlign: a Concat along axis 1, maybe through a Gather
// that drops the batch index column.
std::vector<std::string> box_columns(const Graph& g, const onnx::NodeProto& roi) {
  const onnx::NodeProto* n = g.producer(roi.input(1));
  std::vector<int64_t> picked = {0, 1, 2, 3};
  if (n != nullptr && n->op_type() == "Gather" && int_attribute(*n, "axis", 0) == 1) {
    picked = tensor_ints(g.require_constant(n->input(1), *n), g.origin());
    n = g.producer(n->input(0));
  }
  if (n == nullptr || n->op_type() != "Concat" || int_attribute(*n, "axis", 0) != 1 || picked.size() != 4)
    unsupported_crop(g, "cannot follow the boxes of " + describe(roi));
  std::vector<std::string> columns;
  for (int64_t k : picked) {
    if (k < 0 || k >= n->input_size()) unsupported_crop(g, "cannot follow the boxes of " + describe(roi));
    columns.push_back(n->input(static_cast<int>(k)));
  }
  return columns;
}

// The engine copies patches pixel for pixel: each RoiAlign box must sample exactly the pixel
// centres index·stride + j, j < output size. Opset 16 made half_pixel RoiAlign's default.
}  // namespace

void check_patch_crops(const Graph& g, int64_t opset) {
  for (const auto& roi : g.proto().node()) {
    if (roi.op_type() != "RoiAlign") continue;
    const auto* mode = find_attribute(roi, "coordinate_transformation_mode");
    const double shift = (mode != nullptr ? mode->s() == "half_pixel" : opset >= 16) ? 0.5 : 0.0;
    if (int_attribute(roi, "sampling_ratio", 0) > 1 || float_attribute(roi, "spatial_scale", 1.0f) != 1.0f)
      unsupported_crop(g, describe(roi) + " samples more than once per pixel or scales its boxes");
    const auto columns = box_columns(g, roi);
    for (int axis = 0; axis < 2; ++axis) {
      const Affine lo = affine(g, columns[axis]), hi = affine(g, columns[axis + 2]);
      const int64_t samples = int_attribute(roi, axis == 0 ? "output_width" : "output_height", 1);
      const auto size = static_cast<double>(samples);
      const bool exact = lo.index == hi.index && lo.scale == hi.scale && lo.scale > 0 &&
                         std::abs(hi.offset - lo.offset - size) < 1e-6 && std::abs(lo.offset + 0.5 - shift) < 1e-6;
      if (!exact) {
        unsupported_crop(g, describe(roi) + " does not crop whole pixels: " + (axis == 0 ? "x" : "y") + " from " +
                                text(lo) + " to " + text(hi) + " in " + std::to_string(samples) + " samples");
      }
    }
  }
}

}  // namespace matte::convert
