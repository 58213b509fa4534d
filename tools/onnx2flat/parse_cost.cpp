#include "tools/onnx2flat/parse_cost.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>

namespace matte::convert {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Measured with protobuf 3.21: an empty NodeProto costs about 150 bytes with its allocation.
constexpr uint64_t kMessageCost = 160;
constexpr uint64_t kStringCost = 48;  // a std::string and its pointer in a repeated field
constexpr int kMaxDepth = 100;        // protobuf's own default nesting limit

// Bytes per wire byte of a packed repeated number: varints widen to their C++ type.
uint64_t packed_widening(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return field.type() == FieldDescriptor::TYPE_FIXED64 || field.type() == FieldDescriptor::TYPE_SFIXED64 ? 1 : 8;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_ENUM:
    case FieldDescriptor::CPPTYPE_BOOL:
      return 4;
    default:
      return 1;
  }
}

bool add_cost(CodedInputStream& in, const google::protobuf::Descriptor& type, uint64_t& cost, uint64_t stop_above,
              int depth) {
  while (cost <= stop_above) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return true;  // the end of this message (the caller checks it consumed all)
    const FieldDescriptor* field = type.FindFieldByNumber(static_cast<int>(WireFormatLite::GetTagFieldNumber(tag)));
    uint64_t value = 0;
    uint32_t length = 0;
    switch (WireFormatLite::GetTagWireType(tag)) {
      case WireFormatLite::WIRETYPE_VARINT:
        if (!in.ReadVarint64(&value)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED64:
        if (!in.Skip(8)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED32:
        if (!in.Skip(4)) return false;
        break;
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(INT32_MAX)) return false;
        if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
          if (depth >= kMaxDepth) return false;
          cost += kMessageCost;
          const auto limit = in.PushLimit(static_cast<int>(length));
          if (!add_cost(in, *field->message_type(), cost, stop_above, depth + 1)) return false;
          if (cost <= stop_above && in.BytesUntilLimit() != 0) return false;
          in.PopLimit(limit);
          break;
        }
        if (field != nullptr && field->is_repeated() && field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
          cost += length * packed_widening(*field);
        } else {
          cost += length + (field != nullptr && field->is_repeated() ? kStringCost : 0);
        }
        if (!in.Skip(static_cast<int>(length))) return false;
        break;
      }
      default:
        return false;  // groups: ONNX has none
    }
  }
  return true;
}

}  // namespace

std::optional<uint64_t> parse_cost(std::span<const uint8_t> bytes, const google::protobuf::Descriptor& type,
                                   uint64_t stop_above) {
  CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  uint64_t cost = kMessageCost;
  if (!add_cost(in, type, cost, stop_above, 0)) return std::nullopt;
  return cost;
}

}  // namespace matte::convert
