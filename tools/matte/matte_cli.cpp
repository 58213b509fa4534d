#include "tools/matte/matte_cli.h"

#include <tbb/info.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/settings.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/matte/audio_track.h"
#include "tools/matte/options.h"
#include "tools/matte/pipeline.h"
#include "tools/matte/preview.h"
#include "tools/matte/progress.h"
#include "tools/onnx2flat/convert.h"

namespace matte::cli {

namespace {

namespace fs = std::filesystem;

bool is_camera(const std::string& input) { return input.starts_with("camera:"); }

// One spelling per file: "a/../a/x", "./a/x" and "a/x/" all name the same path.
fs::path normal(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(p, ec);
  return ec ? fs::absolute(p).lexically_normal() : canonical;
}

bool is_within(const fs::path& path, const fs::path& folder) {
  const auto [end, rest] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end();
}

// Refuses an output that is, or is a folder holding, one of the run's inputs or the current
// folder, another output, or something in the way that this tool did not write.
void check_output_paths(const MatteOptions& o) {
  std::vector<std::pair<std::string, std::string>> inputs = {{o.model, "the model"}};
  if (!is_camera(o.input) && !is_stream(o.input)) inputs.push_back({o.input, "the input"});
  if (!o.plate.empty()) inputs.push_back({o.plate, "the background plate"});
  if (!o.background.path.empty()) inputs.push_back({o.background.path, "the background"});
  inputs.push_back({fs::current_path().string(), "the current folder"});
  for (size_t i = 0; i < o.outputs.size(); ++i) {
    const OutputRequest& out = o.outputs[i];
    if (out.path == "-") continue;  // standard output
    const fs::path target = normal(out.path);
    for (const auto& [path, role] : inputs) {
      if (target == normal(path)) throw UsageError(out.path + ": " + out.flag + " is " + role + " (" + path + ")");
      if (is_within(normal(path), target)) {
        throw UsageError(out.path + ": " + out.flag + " would replace a folder holding " + role + " (" + path + ")");
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (target == normal(o.outputs[j].path)) {
        throw UsageError(out.path + ": given to both " + o.outputs[j].flag + " and " + out.flag);
      }
    }
    const fs::path literal = without_trailing_slash(out.path);
    check_replaceable(literal, out.kind);
    if (fs::exists(fs::symlink_status(literal)) && !o.overwrite) {
      throw Error(out.path + ": exists (use --overwrite to replace it)");
    }
  }
}

Session load_model(const std::string& path, const SessionOptions& options) {
  if (lower_extension(path) == ".onnx") {
    const ConvertedModel model = convert_onnx(path);
    return Session(serialize_weight_file(model.metadata, model.tensors), path, options);
  }
  return Session(path, options);
}

// Plates and the error and refine maps go with the networks that take and give them.
void check_model_fits(const MatteOptions& o, const Session& session) {
  const Capabilities& c = session.capabilities();
  const std::string network = c.title + ", " + c.architecture;
  if (!c.takes_plate && !o.plate.empty()) {
    throw Error("--background-plate " + o.plate + ": " + o.model + " is " + network +
                ", which takes no background plate (plates are for BGMv2 models)");
  }
  if (c.takes_plate && o.plate.empty()) {
    throw Error(o.model + ": " + network + " needs --background-plate, the clean background shot from the same camera");
  }
  if (o.scene_cut > 0 && c.recurrent_states == 0) {
    throw Error("--reset-on-scene-cut: " + o.model + " is " + network +
                ", which has no recurrent state to reset (its frames are independent)");
  }
  for (const OutputRequest& out : o.outputs) {
    const Result needed = out.content == Content::error ? Result::error8 : Result::refined8;
    if ((out.content == Content::error || out.content == Content::refine_map) && !has(c.results, needed)) {
      throw Error(out.flag + ": " + o.model + " is " + network + ", which gives no error or refine map (BGMv2 models do)");
    }
  }
}

// The 8-bit results the requested outputs are made of: the engine computes nothing else.
Result results_written(const MatteOptions& o) {
  Result results = o.preview ? Result::alpha8 | Result::foreground8 : Result::none;
  for (const OutputRequest& out : o.outputs) {
    switch (out.content) {
      case Content::composition: results = results | Result::alpha8 | Result::foreground8; break;
      case Content::alpha: results = results | Result::alpha8; break;
      case Content::foreground: results = results | Result::foreground8; break;
      case Content::error: results = results | Result::error8; break;
      case Content::refine_map: results = results | Result::refined8; break;
    }
  }
  return results;
}

std::atomic<bool> g_outputs_in_progress{false};

// Marks the span in which a signal must let the run remove its temporaries instead of ending it.
struct OutputsInProgress {
  OutputsInProgress() { g_outputs_in_progress = true; }
  ~OutputsInProgress() { g_outputs_in_progress = false; }
};

// The first line of an exception's text: the tool's errors are one line.
std::string first_line(const char* what) {
  std::string text = what;
  return text.substr(0, text.find('\n'));
}

// "no scene cuts", "1 scene cut at frame 40", "2 scene cuts at frames 40, 90".
std::string scene_cuts_text(const std::vector<int64_t>& cuts) {
  if (cuts.empty()) return "no scene cuts";
  std::string text = std::to_string(cuts.size()) + (cuts.size() == 1 ? " scene cut at frame " : " scene cuts at frames ");
  for (size_t i = 0; i < cuts.size(); ++i) text += (i ? ", " : "") + std::to_string(cuts[i]);
  return text;
}

int run(const MatteOptions& o, std::ostream& out, std::ostream& err, bool err_is_terminal,
        const std::atomic<int>& signal_received) {
  require_path(o.model, "--model");
  if (!is_camera(o.input) && !is_stream(o.input)) require_path(o.input, "--input");
  if (!o.plate.empty()) require_path(o.plate, "--background-plate");
  if (!o.background.path.empty()) require_path(o.background.path, "--background");
  check_output_paths(o);

  // The input first: a frame too large is refused before the model costs memory.
  const bool keep_audio = !o.no_audio && std::any_of(o.outputs.begin(), o.outputs.end(), [](const OutputRequest& r) {
    return r.kind == OutputKind::video && (r.content == Content::composition || r.content == Content::foreground);
  });
  const auto source = FrameSource::open(o.input, o.start, o.fps, o.max_pixels, keep_audio, &signal_received);
  // With the video on standard output, the summary goes with the progress to standard error.
  std::ostream& report = std::any_of(o.outputs.begin(), o.outputs.end(), [](const OutputRequest& r) {
    return r.path == "-";
  }) ? err : out;
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  Session session = load_model(o.model, {.threads = threads,
                                         .settings = o.settings,
                                         .results = results_written(o)});
  check_model_fits(o, session);
  const int width = source->width(), height = source->height();
  std::optional<Plate> plate;
  if (session.capabilities().takes_plate) plate.emplace(o.plate, width, height, o.resize_plate, o.max_pixels);
  std::optional<Preview> preview;
  if (o.preview) preview.emplace();

  const OutputsInProgress in_progress;
  std::vector<Output> outputs;
  // How the outputs are written (audio re-encoded, a pixel format for an odd size): said once they
  // are complete, so that a failed run still ends with its one error line.
  std::ostringstream notices;
  bool needs_background = o.preview;
  for (const OutputRequest& request : o.outputs) {
    SinkSpec spec;
    spec.width = width;
    spec.height = height;
    spec.overwrite = o.overwrite;
    const bool with_audio = request.content == Content::composition || request.content == Content::foreground;
    spec.channels = request.content == Content::composition ? (o.background_given ? 3 : 4)
                    : with_audio                            ? 3
                                                            : 1;
    spec.time_base = source->time_base();
    spec.frame_rate = source->frame_rate();
    spec.video = o.video;
    if (with_audio) spec.audio = source->audio();
    spec.notices = &notices;
    outputs.push_back({request.content, Sink::create(request.path, request.kind, spec)});
    needs_background |= request.content == Content::composition && !outputs.back().sink->keeps_transparency();
  }
  for (AudioTrack* track : source->audio()) track->seal();  // every output that takes it has subscribed
  std::optional<Background> background;
  if (needs_background) background.emplace(o.background, width, height, o.max_pixels);

  int64_t total = source->remaining();
  if (o.frames > 0) total = total < 0 ? o.frames : std::min<int64_t>(total, o.frames);
  Progress progress(err, total, !o.quiet && err_is_terminal);
  std::atomic<bool> quit{false};
  PipelineJob job;
  job.source = source.get();
  job.session = &session;
  job.background = background ? &*background : nullptr;
  job.plate = plate ? &*plate : nullptr;
  job.outputs = &outputs;
  job.seq_chunk = o.seq_chunk;
  job.scene_cut = o.scene_cut;
  job.max_frames = o.frames;
  job.stop = [&] { return quit.load() || signal_received.load() != 0; };
  job.want_composite = o.preview;
  job.on_frame = [&](int64_t done, const cv::Mat& composite) {
    progress.update(done);
    if (preview) preview->post(composite);
  };

  PipelineResult result;
  if (preview) {
    std::atomic<bool> finished{false};
    std::exception_ptr failure;
    std::thread worker([&] {
      try {
        result = run_pipeline(job);
      } catch (...) {
        failure = std::current_exception();
      }
      finished = true;
    });
    preview->run([&] { return finished.load(); }, quit);
    worker.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    result = run_pipeline(job);
  }
  progress.finish();
  if (const int sig = signal_received.load()) {
    err << "matte: interrupted by signal " << sig << "; no output written\n";
    return 128 + sig;
  }
  if (const std::string warning = source->ending_warning(); !warning.empty()) {
    err << "matte: warning: " << warning << "\n";
  }
  std::vector<Sink*> sinks;
  for (Output& output : outputs) sinks.push_back(output.sink.get());
  commit_all(sinks);
  err << notices.str();
  // Closing a video flushes the encoder's look-ahead: part of the run's time.
  const double seconds = progress.seconds();
  if (!o.quiet) {
    const std::string detail = !session.capabilities().setting("downsample-ratio")
                                   ? std::to_string(result.refined_patches / std::max<int64_t>(result.frames, 1)) + " refined patches per frame"
                                   : "downsample ratio " + number_text(session.downsample_ratio_for(width, height));
    std::string tail = detail + ", " + std::to_string(threads) + " threads";
    if (const int64_t lost = source->lost_frames()) tail += ", " + std::to_string(lost) + " damaged input frames lost";
    if (o.scene_cut > 0) tail += ", " + scene_cuts_text(result.scene_cuts);
    report << summary_line(result.frames, width, height, seconds, tail) << "\n";
  }
  return 0;
}

}  // namespace

bool outputs_in_progress() { return g_outputs_in_progress.load(); }

int run_matte(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool err_is_terminal,
              const std::atomic<int>& signal_received) {
  if (std::find(argv.begin(), argv.end(), "--help") != argv.end() ||
      std::find(argv.begin(), argv.end(), "-h") != argv.end()) {
    out << matte_help();
    return 0;
  }
  if (std::find(argv.begin(), argv.end(), "--version") != argv.end()) {
    out << "matte " << version() << "\n";
    return 0;
  }
  try {
    return run(parse_matte_options(argv), out, err, err_is_terminal, signal_received);
  } catch (const UsageError& e) {
    err << "matte: " << first_line(e.what()) << " (see matte --help)\n";
    return 2;
  } catch (const std::exception& e) {
    err << "matte: " << first_line(e.what()) << "\n";
    return 1;
  }
}

}  // namespace matte::cli
