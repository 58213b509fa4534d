// What parsing a protobuf message would cost in memory, estimated from its wire format without
// allocating: a few bytes of file can become a message object of a hundred bytes or more.
#pragma once

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <optional>
#include <span>

namespace matte::convert {

// Bytes the parsed `type` would take, counted up to just past `stop_above`; nullopt when the
// bytes are malformed (the parse itself then reports them).
std::optional<uint64_t> parse_cost(std::span<const uint8_t> bytes, const google::protobuf::Descriptor& type,
                                   uint64_t stop_above);

}  // namespace matte::convert
