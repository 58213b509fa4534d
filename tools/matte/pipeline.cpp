#include "tools/matte/pipeline.h"

#include <tbb/parallel_pipeline.h>

#include "tools/matte/composite.h"

namespace matte::cli {

namespace {

// Consecutive frames that go through inference together (--seq-chunk).
struct Batch {
  std::vector<cv::Mat> frames, backgrounds;
  std::vector<Matte> mattes;
};

// A few batches in flight: one decoding, one in inference, one encoding.
constexpr size_t kTokens = 3;

std::shared_ptr<Batch> read_batch(const PipelineJob& job, int64_t& read, tbb::flow_control& fc) {
  auto batch = std::make_shared<Batch>();
  while (int(batch->frames.size()) < job.seq_chunk && !job.stop() &&
         (job.max_frames == 0 || read < job.max_frames)) {
    cv::Mat bgr;
    if (!job.source->read(bgr)) break;
    batch->frames.push_back(std::move(bgr));
    // The background frame is cloned: a colour or image background hands out one shared buffer.
    if (job.background) batch->backgrounds.push_back(job.background->next().clone());
    ++read;
  }
  if (batch->frames.empty()) fc.stop();
  return batch;
}

void infer(Session& session, Batch& batch) {
  std::vector<Image8> images;
  for (const cv::Mat& f : batch.frames) images.push_back({f.data, f.cols, f.rows, f.step, PixelFormat::bgr8});
  batch.mattes = session.process_chunk(images);
}

void write_frame(const Matte& m, const cv::Mat& background, std::vector<Output>& outputs, cv::Mat& composite,
                 bool want_composite) {
  cv::Mat pixels;
  bool composited = false;
  for (Output& out : outputs) {
    switch (out.content) {
      case Content::alpha: alpha_gray(m, pixels); break;
      case Content::foreground: foreground_bgr(m, pixels); break;
      case Content::composition:
        if (out.sink->keeps_transparency()) {
          foreground_with_alpha(m, pixels);
        } else {
          composite_over(m, background, composite);
          composited = true;
          pixels = composite;
        }
        break;
    }
    out.sink->write(pixels);
  }
  if (want_composite && !composited) composite_over(m, background, composite);
}

}  // namespace

int64_t run_pipeline(const PipelineJob& job) {
  int64_t read = 0, written = 0;
  cv::Mat composite;
  const auto decode = [&](tbb::flow_control& fc) { return read_batch(job, read, fc); };
  const auto inference = [&](std::shared_ptr<Batch> batch) {
    infer(*job.session, *batch);
    return batch;
  };
  const auto encode = [&](std::shared_ptr<Batch> batch) {
    for (size_t i = 0; i < batch->mattes.size(); ++i) {
      const cv::Mat background = job.background ? batch->backgrounds[i] : cv::Mat();
      write_frame(batch->mattes[i], background, *job.outputs, composite, job.want_composite);
      ++written;
      if (job.on_frame) job.on_frame(written, composite);
    }
  };
  using Ptr = std::shared_ptr<Batch>;
  tbb::parallel_pipeline(kTokens, tbb::make_filter<void, Ptr>(tbb::filter_mode::serial_in_order, decode) &
                                      tbb::make_filter<Ptr, Ptr>(tbb::filter_mode::serial_in_order, inference) &
                                      tbb::make_filter<Ptr, void>(tbb::filter_mode::serial_in_order, encode));
  return written;
}

}  // namespace matte::cli
