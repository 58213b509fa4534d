#include "tools/matte/pipeline.h"

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "tools/matte/composite.h"
#include "tools/matte/scene_cut.h"

namespace matte::cli {

namespace {

// Consecutive frames that go through inference together (--seq-chunk).
struct Batch {
  std::vector<cv::Mat> frames, backgrounds, plates;
  std::vector<FrameTime> times;
  std::vector<Matte> mattes;
  bool starts_scene = false;  // a scene cut before the first frame: the state is reset
};

using BatchPtr = std::shared_ptr<Batch>;

// Frames and mattes the encoder has written, handed back to the decoder and inference: a 1080p
// frame is 6 MB and a result tens of MB, and fresh ones per frame cost page faults on every frame.
template <class T>
class Pool {
 public:
  T take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return {};
    T item = std::move(free_.back());
    free_.pop_back();
    return item;
  }
  void give(std::vector<T>& items) {
    std::lock_guard lock(mutex_);
    for (T& item : items) free_.push_back(std::move(item));
    items.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<T> free_;
};

// Reads batches of --seq-chunk frames. With scene-cut detection a batch never spans a cut: the cut
// frame starts the next batch, before which inference resets the state.
class BatchReader {
 public:
  BatchReader(const PipelineJob& job, Pool<cv::Mat>& frames) : job_(job), frames_(frames) {
    if (job.scene_cut > 0) detector_.emplace(job.scene_cut);
  }
  // An empty batch marks the end: the input ended, max_frames was reached or a stop was asked for.
  BatchPtr next() {
    BatchPtr batch = carried_ ? std::move(carried_) : std::make_shared<Batch>();
    while (int(batch->frames.size()) < job_.seq_chunk && !job_.stop() &&
           (job_.max_frames == 0 || read_ < job_.max_frames)) {
      cv::Mat bgr = frames_.take();  // the source may decode into it
      FrameTime time;
      if (!job_.source->read(bgr, time)) break;
      ++read_;
      const bool cut = detector_ && detector_->is_cut(bgr);
      if (cut && !batch->frames.empty()) {
        carried_ = std::make_shared<Batch>();
        carried_->starts_scene = true;
        add(*carried_, std::move(bgr), time);
        break;
      }
      batch->starts_scene |= cut;
      add(*batch, std::move(bgr), time);
    }
    return batch;
  }

 private:
  void add(Batch& batch, cv::Mat bgr, const FrameTime& time) {
    batch.frames.push_back(std::move(bgr));
    batch.times.push_back(time);
    if (job_.background) batch.backgrounds.push_back(job_.background->next(batch.frames.back()));
    if (job_.plate) batch.plates.push_back(job_.plate->next());
  }

  const PipelineJob& job_;
  Pool<cv::Mat>& frames_;
  std::optional<SceneCutDetector> detector_;
  BatchPtr carried_;  // a cut frame read after a batch had begun
  int64_t read_ = 0;
};

Image8 image8(const cv::Mat& bgr) { return {bgr.data, bgr.cols, bgr.rows, bgr.step, PixelFormat::bgr8}; }

void infer(Session& session, PlateCheck* check, Batch& batch, Pool<Matte>& pool) {
  if (!batch.plates.empty() || batch.frames.size() == 1) {
    for (size_t i = 0; i < batch.frames.size(); ++i) {
      Matte m = pool.take();
      if (batch.plates.empty()) session.process(image8(batch.frames[i]), m);
      else session.process(image8(batch.frames[i]), image8(batch.plates[i]), m);
      if (check) check->add(m);
      batch.mattes.push_back(std::move(m));
    }
    return;
  }
  std::vector<Image8> images;
  for (const cv::Mat& f : batch.frames) images.push_back(image8(f));
  batch.mattes = session.process_chunk(images);
}

void write_frame(const Matte& m, const FrameTime& time, Background* backdrop, const cv::Mat& background,
                 std::vector<Output>& outputs, cv::Mat& composite, bool want_composite) {
  cv::Mat pixels;
  bool composited = false;
  for (Output& out : outputs) {
    switch (out.content) {
      case Content::alpha: pixels = plane_image(m.alpha8, m, 1); break;
      case Content::foreground: pixels = plane_image(m.foreground8, m, 3); break;
      case Content::error: pixels = plane_image(m.error8, m, 1); break;
      case Content::refine_map: pixels = plane_image(m.refined8, m, 1); break;
      case Content::composition:
        if (out.sink->keeps_transparency()) {
          foreground_with_alpha(m, pixels);
        } else {
          backdrop->composite(m, background, composite);
          composited = true;
          pixels = composite;
        }
        break;
    }
    out.sink->write(pixels, time);
  }
  if (want_composite && !composited) backdrop->composite(m, background, composite);
}

// A one-slot hand-over between two stages. close() is final: every waiting and later push or
// pop returns false, so no stage stays blocked on a neighbour that has stopped.
class Channel {
 public:
  bool push(BatchPtr batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !slot_; });
    if (closed_) return false;
    slot_ = std::move(batch);
    changed_.notify_all();
    return true;
  }
  bool pop(BatchPtr& batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || slot_; });
    if (closed_) return false;
    batch = std::move(slot_);
    slot_.reset();
    changed_.notify_all();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  BatchPtr slot_;
  bool closed_ = false;
};

// The first failure of any stage: it is kept and both channels are closed.
class Failure {
 public:
  Failure(Channel& a, Channel& b) : a_(a), b_(b) {}
  // Runs one stage's loop on the calling thread.
  void guard(const std::function<void()>& stage) {
    try {
      stage();
    } catch (...) {
      {
        std::lock_guard lock(mutex_);
        if (!first_) first_ = std::current_exception();
      }
      a_.close();
      b_.close();
    }
  }
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  Channel &a_, &b_;
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace

PipelineResult run_pipeline(const PipelineJob& job) {
  Channel decoded, inferred;
  Failure failure(decoded, inferred);
  Pool<Matte> pool;
  Pool<cv::Mat> frames;
  BatchReader reader(job, frames);
  PipelineResult result;

  std::thread decoder([&] {
    failure.guard([&] {
      for (bool more = true; more;) {
        BatchPtr batch = reader.next();
        more = !batch->frames.empty();
        if (!decoded.push(std::move(batch))) return;
      }
    });
  });
  std::thread encoder([&] {
    failure.guard([&] {
      cv::Mat composite;
      for (BatchPtr batch; inferred.pop(batch) && !batch->frames.empty();) {
        if (batch->starts_scene) result.scene_cuts.push_back(result.frames);
        for (size_t i = 0; i < batch->mattes.size(); ++i) {
          const cv::Mat background = job.background ? batch->backgrounds[i] : cv::Mat();
          write_frame(batch->mattes[i], batch->times[i], job.background, background, *job.outputs, composite,
                      job.want_composite);
          ++result.frames;
          result.refined_patches += batch->mattes[i].refined_patches;
          if (job.on_frame) job.on_frame(result.frames, composite);
        }
        pool.give(batch->mattes);
        frames.give(batch->frames);
      }
    });
  });
  // Inference stays on the calling thread, which enters the session's arena as in matte-bench.
  failure.guard([&] {
    for (BatchPtr batch; decoded.pop(batch);) {
      const bool more = !batch->frames.empty();
      if (batch->starts_scene) job.session->reset();
      if (more) infer(*job.session, job.plate_check, *batch, pool);
      if (!inferred.push(std::move(batch)) || !more) return;
    }
  });
  decoder.join();
  encoder.join();
  failure.rethrow();
  return result;
}

}  // namespace matte::cli
