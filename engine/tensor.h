// NHWC float images (one frame at a time) and channel-slice views into them, so a layer can read or
// write a slice of a wider concatenation buffer through the pixel stride.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace matte {

// `channels` consecutive floats per pixel, `stride` floats between neighbouring pixels.
struct View {
  float* data = nullptr;
  int h = 0, w = 0, channels = 0;
  size_t stride = 0;

  size_t pixels() const { return static_cast<size_t>(h) * static_cast<size_t>(w); }
  float* pixel(size_t i) const { return data + i * stride; }
  // Channels [begin, begin + count) of every pixel.
  View slice(int begin, int count) const { return {data + begin, h, w, count, stride}; }
};

// An owning H×W×C buffer, 64-byte aligned; its capacity only grows, so reshaping to a size it has
// held before does not allocate.
class Tensor {
 public:
  void reshape(int h, int w, int channels) {
    const size_t n = static_cast<size_t>(h) * static_cast<size_t>(w) * static_cast<size_t>(channels);
    if (n > capacity_) {
      // Round up to whole cache lines: aligned_alloc needs a multiple of the alignment.
      const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      void* p = std::aligned_alloc(64, bytes);
      if (!p) throw std::bad_alloc();
      data_.reset(static_cast<float*>(p));
      capacity_ = n;
    }
    h_ = h;
    w_ = w;
    channels_ = channels;
  }

  View view() const { return {data_.get(), h_, w_, channels_, static_cast<size_t>(channels_)}; }
  View slice(int begin, int count) const { return view().slice(begin, count); }
  float* data() const { return data_.get(); }
  size_t size() const { return static_cast<size_t>(h_) * static_cast<size_t>(w_) * static_cast<size_t>(channels_); }
  int h() const { return h_; }
  int w() const { return w_; }
  int channels() const { return channels_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  size_t capacity_ = 0;
  int h_ = 0, w_ = 0, channels_ = 0;
};

}  // namespace matte
