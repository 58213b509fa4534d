// The input's audio in a video output: the packets copied as they are when the container takes the
// codec, else decoded and encoded again (AAC; Opus for WebM). Cut to the video's span.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tools/matte/av_handles.h"

namespace matte::cli {

class AudioTrack;
class AudioEncoder;

class AudioOutput {
 public:
  // Adds the audio stream to `muxer`, before its header is written. `notice` is set to one line
  // when the audio is re-encoded or dropped (a container without audio).
  AudioOutput(AudioTrack& track, AVFormatContext& muxer, const std::string& name, std::string& notice);
  ~AudioOutput();

  AVRational track_time_base() const;
  // Writes the track's packets that overlap [start, end) (the video's span so far, in
  // track_time_base()), shifted so that `start` is time 0. `final`: the video has ended, the input
  // is read further for the rest and the encoder drained.
  void write_until(int64_t start, int64_t end, bool final);

 private:
  void write(AVPacket& packet, AVRational from);

  AudioTrack& track_;
  std::string name_;
  AVFormatContext& muxer_;
  AVStream* stream_ = nullptr;  // nullptr: the container takes no audio
  int consumer_ = 0;
  std::unique_ptr<AudioEncoder> encoder_;  // nullptr: copied
  PacketPtr packet_;
};

}  // namespace matte::cli
