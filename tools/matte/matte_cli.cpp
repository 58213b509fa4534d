#include "tools/matte/matte_cli.h"

#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/matte.h"
#include "engine/weight_file.h"
#include "models/settings.h"
#include "tools/common/args.h"
#include "tools/common/frames.h"
#include "tools/matte/audio_track.h"
#include "tools/matte/clip_list.h"
#include "tools/matte/clip_report.h"
#include "tools/matte/options.h"
#include "tools/matte/pipeline.h"
#include "tools/matte/preview.h"
#include "tools/matte/progress.h"
#include "tools/matte/video_writer.h"
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

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

// A failure that ends the whole run, not only its clip: the model cannot be loaded or does not fit.
struct FatalError : Error {
  using Error::Error;
};

// Where a clip's run writes, and what clips share: the model, loaded for the first clip that runs.
struct RunContext {
  std::ostream &out, &err;
  bool err_is_terminal;
  const std::atomic<int>& signal_received;
  int threads = 0;
  std::optional<Session> session = {};
  std::string label = {};  // "clip 2/6 take.mp4: " in a batch, empty for one clip

  // The model with a fresh recurrent state: each clip starts as a clip of its own.
  Session& fresh_session(const MatteOptions& o) {
    if (session) {
      session->reset();
      return *session;
    }
    try {
      session.emplace(load_model(o.model, {.threads = threads, .settings = o.settings, .results = results_written(o)}));
      check_model_fits(o, *session);
    } catch (const std::exception& e) {
      throw FatalError(first_line(e.what()));
    }
    return *session;
  }
};

// Runs one clip into `report`; returns false when a signal stopped it (its outputs not written).
bool run_clip(const MatteOptions& o, RunContext& run, ClipReport& report) {
  if (!is_camera(o.input) && !is_stream(o.input)) require_path(o.input, "--input");
  if (!o.plate.empty()) require_path(o.plate, "--background-plate");
  if (!o.background.path.empty()) require_path(o.background.path, "--background");
  check_output_paths(o);

  // The input first: a frame too large is refused before the model costs memory.
  const bool keep_audio = !o.no_audio && std::any_of(o.outputs.begin(), o.outputs.end(), [](const OutputRequest& r) {
    return r.kind == OutputKind::video && (r.content == Content::composition || r.content == Content::foreground);
  });
  const auto source = FrameSource::open(o.input, o.start, o.fps, o.max_pixels, keep_audio, &run.signal_received);
  // With the video on standard output, the summary goes with the progress to standard error.
  std::ostream& summary = std::any_of(o.outputs.begin(), o.outputs.end(), [](const OutputRequest& r) {
    return r.path == "-";
  }) ? run.err : run.out;
  Session& session = run.fresh_session(o);
  const int width = source->width(), height = source->height();
  report.width = width;
  report.height = height;
  std::optional<Plate> plate;
  std::optional<PlateCheck> plate_check;
  if (session.capabilities().takes_plate) {
    plate.emplace(o.plate, width, height, o.resize_plate, o.max_pixels, o.plate_median);
    plate_check.emplace(session, results_written(o), o.plate);
  }
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
  Progress progress(run.err, total, !o.quiet && run.err_is_terminal, run.label);
  // Said as soon as decided (a wrong plate is worth stopping for), between redraws of the bar.
  const auto warn_plate = [&](bool run_ended) {
    const std::string warning = plate_check ? plate_check->take_warning(run_ended) : "";
    if (warning.empty()) return;
    progress.finish();
    run.err << "matte: " << run.label << "warning: " << warning << "\n";
  };
  std::atomic<bool> quit{false};
  PipelineJob job;
  job.source = source.get();
  job.session = &session;
  job.background = background ? &*background : nullptr;
  job.plate = plate ? &*plate : nullptr;
  job.plate_check = plate_check ? &*plate_check : nullptr;
  job.outputs = &outputs;
  job.seq_chunk = o.seq_chunk;
  job.scene_cut = o.scene_cut;
  job.max_frames = o.frames;
  job.stop = [&] { return quit.load() || run.signal_received.load() != 0; };
  job.want_composite = o.preview;
  job.on_frame = [&](int64_t done, const cv::Mat& composite) {
    warn_plate(false);
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
  if (run.signal_received.load()) return false;
  warn_plate(true);
  if (const std::string warning = source->ending_warning(); !warning.empty()) {
    run.err << "matte: " << run.label << "warning: " << warning << "\n";
  }
  std::vector<Sink*> sinks;
  for (Output& output : outputs) sinks.push_back(output.sink.get());
  commit_all(sinks);
  run.err << notices.str();
  // Closing a video flushes the encoder's look-ahead: part of the run's time.
  report.seconds = progress.seconds();
  report.frames = result.frames;
  report.lost_frames = source->lost_frames();
  report.scene_cuts = result.scene_cuts;
  report.status = ClipStatus::done;
  if (!o.quiet) {
    const std::string detail = !session.capabilities().setting("downsample-ratio")
                                   ? std::to_string(result.refined_patches / std::max<int64_t>(result.frames, 1)) + " refined patches per frame"
                                   : "downsample ratio " + number_text(session.downsample_ratio_for(width, height));
    std::string tail = detail + ", " + std::to_string(run.threads) + " threads";
    if (report.lost_frames) tail += ", " + std::to_string(report.lost_frames) + " damaged input frames lost";
    if (o.scene_cut > 0) tail += ", " + scene_cuts_text(result.scene_cuts);
    summary << summary_line(result.frames, width, height, report.seconds, tail, run.label) << "\n";
  }
  return true;
}

// The clip's options: its input, and its fields in every path template.
MatteOptions clip_options(const MatteOptions& o, const Clip& clip, int index_width) {
  MatteOptions c = o;
  c.input = clip.input;
  c.plate = expand_template(o.plate, clip, index_width);
  c.background.path = expand_template(o.background.path, clip, index_width);
  for (OutputRequest& out : c.outputs) {
    out.path = expand_template(out.path, clip, index_width);
    out.kind = output_kind(out.path, o.output_type);  // "{name}" brings the input's extension
    if (out.kind == OutputKind::video) check_video_settings(out.path, o.video);
  }
  return c;
}

// Before any work: no two clips of the list (every shard's) write one path, and no clip writes
// another's input. The checks within one clip are check_output_paths'.
void check_batch_paths(const std::vector<MatteOptions>& clips) {
  std::map<fs::path, std::pair<size_t, std::string>> writers;  // path → clip, flag
  for (size_t i = 0; i < clips.size(); ++i) {
    for (const OutputRequest& out : clips[i].outputs) {
      const auto [it, fresh] = writers.emplace(normal(out.path), std::pair(i, out.flag));
      if (!fresh && it->second.first != i) {
        throw UsageError(out.path + ": clips " + std::to_string(it->second.first) + " (" +
                         clips[it->second.first].input + ") and " + std::to_string(i) + " (" + clips[i].input +
                         ") both write it (" + out.flag + "; {index} or {parent} tells them apart)");
      }
    }
  }
  for (size_t i = 0; i < clips.size(); ++i) {
    const auto it = writers.find(normal(clips[i].input));
    if (it != writers.end()) {
      throw UsageError(clips[i].input + ": clip " + std::to_string(i) + "'s input is clip " +
                       std::to_string(it->second.first) + "'s " + it->second.second);
    }
  }
}

// The report is written last: never over, or into, what the run reads or writes.
void check_report_target(const MatteOptions& o, const std::vector<MatteOptions>& clips) {
  const fs::path report = normal(o.json);
  const auto refuse = [&](const std::string& path, const std::string& what) {
    const fs::path other = normal(path);
    if (report == other || is_within(report, other)) {
      throw UsageError(o.json + ": --json would write over or into " + what + " (" + path + ")");
    }
  };
  refuse(o.model, "the model");
  if (!o.input_list.empty()) refuse(o.input_list, "the clip list");
  for (const MatteOptions& c : clips) {
    refuse(c.input, "an input");
    if (!c.plate.empty()) refuse(c.plate, "a background plate");
    if (!c.background.path.empty()) refuse(c.background.path, "a background");
    for (const OutputRequest& out : c.outputs) refuse(out.path, out.flag);
  }
}

bool outputs_exist(const MatteOptions& o) {
  return std::all_of(o.outputs.begin(), o.outputs.end(), [](const OutputRequest& out) {
    return fs::exists(fs::symlink_status(without_trailing_slash(out.path)));
  });
}

int run(const MatteOptions& o, std::ostream& out, std::ostream& err, bool err_is_terminal,
        const std::atomic<int>& signal_received) {
  const auto started = std::chrono::steady_clock::now();
  require_path(o.model, "--model");
  const bool batch = !o.input_list.empty();
  const std::vector<Clip> list = batch ? read_clip_list(o.input_list) : std::vector<Clip>{{0, o.input}};
  const int width = index_width(list.size());
  std::vector<MatteOptions> clips;
  for (const Clip& clip : list) clips.push_back(clip_options(o, clip, width));
  if (batch) check_batch_paths(clips);
  if (!o.json.empty()) {
    check_report_target(o, clips);
    check_report_path(o.json);
  }

  RunContext run{out, err, err_is_terminal, signal_received, o.threads > 0 ? o.threads : tbb::info::default_concurrency()};
  std::vector<ClipReport> reports;
  int taken = 0;
  for (const Clip& clip : list) taken += o.shard.takes(clip);
  for (const Clip& clip : list) {
    if (!o.shard.takes(clip)) continue;
    const MatteOptions& c = clips[size_t(clip.index)];
    ClipReport& report = reports.emplace_back();
    report.clip = clip;
    for (const OutputRequest& request : c.outputs) report.outputs.emplace_back(request.flag.substr(9), request.path);
    if (batch) {
      run.label = "clip " + std::to_string(reports.size()) + "/" + std::to_string(taken) + " " +
                  without_trailing_slash(c.input).filename().string() + ": ";
    }
    if (batch && !o.overwrite && outputs_exist(c)) {
      report.status = ClipStatus::done_earlier;
      if (!o.quiet) out << "matte: " << run.label << "done earlier (its outputs exist)\n";
      continue;
    }
    try {
      if (!run_clip(c, run, report)) {
        const int sig = signal_received.load();
        err << "matte: " << run.label << "interrupted by signal " << sig << "; "
            << (batch ? "this clip's outputs not written, earlier clips' complete\n" : "no output written\n");
        return 128 + sig;
      }
    } catch (const FatalError&) {
      throw;
    } catch (const std::exception& e) {
      report.error = first_line(e.what());
      if (!batch) {
        if (!o.json.empty()) write_report(o.json, o.model, nullptr, reports, totals(reports, seconds_since(started)));
        throw;
      }
      err << "matte: " << run.label << report.error << "\n";
    }
  }
  const BatchTotals sums = totals(reports, seconds_since(started));
  if (!o.json.empty()) write_report(o.json, o.model, o.sharded ? &o.shard : nullptr, reports, sums);
  if (batch && !o.quiet) out << batch_summary(sums) << "\n";
  return sums.failed ? 1 : 0;
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
