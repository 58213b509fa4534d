// The input's audio packets, demuxed alongside the video and handed to every output that carries
// audio, each at its own pace.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "tools/matte/av_handles.h"

namespace matte::cli {

class AudioTrack {
 public:
  // `demux_more` reads the input further (pushing what it finds) and returns false at its end.
  AudioTrack(const AVStream& stream, std::function<bool()> demux_more);
  AudioTrack(const AudioTrack&) = delete;
  AudioTrack& operator=(const AudioTrack&) = delete;

  const AVCodecParameters& parameters() const { return *parameters_; }
  AVRational time_base() const { return time_base_; }

  // A new consumer, which sees every packet from the input's start. Packets are kept for the
  // consumers to come until seal().
  int subscribe();
  void seal();
  // From the demuxer.
  void push(const AVPacket& packet);
  // The consumer's next packet if it starts before `end` (in time_base()); with `demux` the input is
  // read further when none is queued. False when there is none (yet).
  bool next(int consumer, int64_t end, bool demux, AVPacket& out);

 private:
  // Packets every consumer has taken: the queue spans only the outputs' lag.
  void drop_taken();
  struct ParametersFreer {
    void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
  };
  std::unique_ptr<AVCodecParameters, ParametersFreer> parameters_;
  AVRational time_base_;
  std::function<bool()> demux_more_;
  std::mutex mutex_;
  std::deque<PacketPtr> queue_;
  int64_t first_ = 0;             // index of queue_.front()
  std::vector<int64_t> cursors_;  // each consumer's next index
  bool sealed_ = false;
};

}  // namespace matte::cli
