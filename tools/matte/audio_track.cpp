#include "tools/matte/audio_track.h"

#include <algorithm>
#include <new>

namespace matte::cli {

AudioTrack::AudioTrack(const AVStream& stream, std::function<bool()> demux_more)
    : parameters_(avcodec_parameters_alloc()), time_base_(stream.time_base), demux_more_(std::move(demux_more)) {
  if (!parameters_ || avcodec_parameters_copy(parameters_.get(), stream.codecpar) < 0) throw std::bad_alloc();
}

int AudioTrack::subscribe() {
  std::lock_guard lock(mutex_);
  cursors_.push_back(first_);
  return int(cursors_.size()) - 1;
}

void AudioTrack::seal() {
  std::lock_guard lock(mutex_);
  sealed_ = true;
  drop_taken();
}

void AudioTrack::drop_taken() {
  const int64_t slowest =
      cursors_.empty() ? first_ + int64_t(queue_.size()) : *std::min_element(cursors_.begin(), cursors_.end());
  while (first_ < slowest) {
    queue_.pop_front();
    ++first_;
  }
}

void AudioTrack::push(const AVPacket& packet) {
  if (packet.pts == AV_NOPTS_VALUE) return;  // cannot be placed on the video's clock
  PacketPtr copy = new_packet();
  if (av_packet_ref(copy.get(), &packet) < 0) throw std::bad_alloc();
  std::lock_guard lock(mutex_);
  if (sealed_ && cursors_.empty()) return;
  queue_.push_back(std::move(copy));
}

bool AudioTrack::next(int consumer, int64_t end, bool demux, AVPacket& out) {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      int64_t& cursor = cursors_[size_t(consumer)];
      if (cursor < first_ + int64_t(queue_.size())) {
        const AVPacket& packet = *queue_[size_t(cursor - first_)];
        if (packet.pts >= end) return false;
        if (av_packet_ref(&out, &packet) < 0) throw std::bad_alloc();
        ++cursor;
        if (sealed_) drop_taken();
        return true;
      }
    }
    if (!demux || !demux_more_()) return false;
  }
}

}  // namespace matte::cli
