#include "tools/matte/av_handles.h"

#include <new>

namespace matte::cli {

FramePtr new_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  return frame;
}

PacketPtr new_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  return packet;
}

bool container_takes(const AVOutputFormat& format, AVCodecID codec) {
  return avformat_query_codec(&format, codec, FF_COMPLIANCE_NORMAL) != 0;
}

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

}  // namespace matte::cli
