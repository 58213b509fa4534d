// video_psnr A B: the luma PSNR of video B against video A (the reference), frame by frame and
// overall, both decoded with FFmpeg's libraries and converted to 8-bit Y the way `matte` converts
// its frames for encoding. Used by bench/speed_table.sh for the quality of the default H.264.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

// Every frame's luma plane (width×height bytes each).
std::vector<std::vector<uint8_t>> luma_frames(const char* path, int& width, int& height) {
  std::vector<std::vector<uint8_t>> frames;
  AVFormatContext* in = nullptr;
  if (avformat_open_input(&in, path, nullptr, nullptr) < 0 || avformat_find_stream_info(in, nullptr) < 0) return frames;
  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (index < 0) return frames;
  AVCodecContext* dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(dec, in->streams[index]->codecpar);
  if (avcodec_open2(dec, codec, nullptr) < 0) return frames;
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  AVFrame* yuv = av_frame_alloc();
  SwsContext* sws = nullptr;
  const auto take = [&] {
    while (avcodec_receive_frame(dec, frame) == 0) {
      width = frame->width;
      height = frame->height;
      yuv->format = AV_PIX_FMT_YUV420P;
      yuv->width = width;
      yuv->height = height;
      av_frame_get_buffer(yuv, 0);
      sws = sws_getCachedContext(sws, width, height, AVPixelFormat(frame->format), width, height, AV_PIX_FMT_YUV420P,
                                 SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
      sws_scale(sws, frame->data, frame->linesize, 0, height, yuv->data, yuv->linesize);
      std::vector<uint8_t> y(size_t(width) * height);
      for (int r = 0; r < height; ++r) std::copy_n(yuv->data[0] + r * yuv->linesize[0], width, y.data() + r * width);
      frames.push_back(std::move(y));
      av_frame_unref(yuv);
      av_frame_unref(frame);
    }
  };
  while (av_read_frame(in, packet) >= 0) {
    if (packet->stream_index == index) avcodec_send_packet(dec, packet);
    av_packet_unref(packet);
    take();
  }
  avcodec_send_packet(dec, nullptr);
  take();
  sws_freeContext(sws);
  av_frame_free(&yuv);
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&dec);
  avformat_close_input(&in);
  return frames;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: video_psnr REFERENCE VIDEO\n");
    return 2;
  }
  int wa = 0, ha = 0, wb = 0, hb = 0;
  const auto a = luma_frames(argv[1], wa, ha), b = luma_frames(argv[2], wb, hb);
  if (a.empty() || a.size() != b.size() || wa != wb || ha != hb) {
    std::fprintf(stderr, "video_psnr: the videos differ in frame count or size (%zu vs %zu frames)\n", a.size(),
                 b.size());
    return 1;
  }
  double total = 0, worst = 1e9;
  for (size_t k = 0; k < a.size(); ++k) {
    double sum = 0;
    for (size_t i = 0; i < a[k].size(); ++i) sum += double(a[k][i] - b[k][i]) * (a[k][i] - b[k][i]);
    const double mse = sum / double(a[k].size());
    total += mse;
    worst = std::min(worst, mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99.0);
  }
  const double mse = total / double(a.size());
  std::printf("psnr-y %.2f\nworst-frame %.2f\nframes %zu\n", mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 99.0,
              worst, a.size());
  return 0;
}
