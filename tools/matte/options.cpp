#include "tools/matte/options.h"

#include <climits>

#include "tools/common/args.h"
#include "tools/common/network_settings.h"
#include "tools/matte/scene_cut.h"

namespace matte::cli {

namespace {

const char* const kHelpStart = R"(matte: human video matting on the CPU (Robust Video Matting MobileNetV3,
BackgroundMattingV2 MobileNetV2)

usage: matte --model MODEL --input INPUT [--background-plate PLATE] [outputs] [options]
       matte --model MODEL --input-list LIST [--shard I/N] [outputs with {fields}] [options]

  --model PATH               a converted weight file (.safetensors, from onnx2flat) or the
                             published .onnx file (converted in memory at start-up)
  --input INPUT              a video file (any container and codec FFmpeg reads), - (a video
                             stream on standard input: nut, matroska, mpegts, y4m), a URL FFmpeg
                             opens (http://, rtsp://), one image, a folder of images (name order,
                             one sequence) or camera:N (camera number N)
  --background-plate PLATE   BGMv2 only (required there): the clean background shot from the same
                             camera, an image (used for every frame) or a video (frame by frame)

batches (many clips, one process per shard; see README.md "Batches"):
  --input-list LIST          a text file, one input per line (as --input; # comment lines and blank
                             lines skipped; relative paths are relative to the list's folder).
                             Each clip starts with a fresh recurrent state; a clip that fails is
                             reported and the batch goes on (exit 1 at the end if any failed).
                             Without --overwrite, a clip whose outputs all exist is skipped as done
                             earlier: running a batch again finishes only the missing clips
  --shard I/N                take only the list's clips whose index % N == I (0 <= I < N)
  --json PATH                a report of the run (also for one clip): per clip the input, outputs,
                             status, error, frames, lost frames, seconds, fps and scene cuts, then
                             the totals; written whole at the end (replaces an earlier report)
  Output paths (and --background-plate, --background) take fields, filled per clip: {stem} the
  input's name without extension, {name} with it, {parent} the name of its folder, {index} its
  0-based line in the list (comments not counted), zero-padded to the list's width. Two clips
  writing one path is an error before any work. Output folders' parents must exist.

outputs (any combination; at least one, or --preview):
  --output-composition PATH  the foreground over --background
  --output-alpha PATH        the alpha matte
  --output-foreground PATH   the predicted foreground colours
  --output-error PATH        BGMv2: the base network's error map (where refinement is wanted)
  --output-refine-map PATH   BGMv2: white on the 4x4 patches the refiner recomputed
  --output-type TYPE         video or png_sequence, for every output. Default: by the path:
                             .mp4 .m4v .mov .mkv .webm .avi and - (standard output) are videos;
                             .png .jpg .jpeg .bmp .tif .tiff .webp are one image (one-frame runs
                             only); a folder, a trailing '/' or no extension is a PNG sequence
  PNG sequences are numbered 000000.png, 000001.png, ...; alpha is 8-bit one channel,
  round(alpha*255); a composition PNG is RGBA (foreground with alpha) for use in any editor.
  Videos keep the input's size and each frame's timestamp (30000/1001 stays 30000/1001, variable
  rates stay variable). A composition video in a codec with alpha is the foreground with alpha
  (transparent) unless --background is given; otherwise it is flattened over the background.

video formats (--video-codec, default by extension: .mp4 .m4v .mov .mkv h264, .webm vp9, .avi mjpeg):
  codec   containers          alpha  notes
  h264    mp4 m4v mov mkv avi no     libx264 yuv420p, CRF 18, preset ultrafast; plays everywhere
  hevc    mp4 m4v mov mkv     no     libx265 yuv420p, CRF 18
  vp9     webm mkv mp4        yes    yuva420p; browsers (Chrome, Firefox) show the transparency
  prores  mov mkv             yes    ProRes 4444 yuva444p10le (422 HQ without alpha); editors
                                     (Final Cut, Premiere, DaVinci Resolve, After Effects)
  qtrle   mov                 yes    QuickTime Animation, lossless RGB(A); editors
  ffv1    mkv avi             yes    lossless; FFmpeg-based players and editors (mpv, VLC)
  png     mov mp4 avi         yes    lossless; editors
  mjpeg   avi mov mkv mp4     no     yuvj420p
  A lossless codec (qtrle, ffv1, png) writes --output-alpha equal to the alpha PNG sequence. An odd
  width or height in h264/hevc is written in 4:4:4 (said on stderr), never cropped.
  --video-codec C            one of the codecs above, for every video output
  --video-crf N              quality for h264/hevc (0-51) and vp9 (0-63; default 24)
  --video-preset P           x264/x265 speed: ultrafast superfast veryfast faster fast medium slow
                             slower veryslow placebo (default ultrafast: the least CPU,
                             files about 3x larger than veryfast; see bench/README.md)
  --video-mbps M             a bitrate in Mbit/s instead of a CRF (h264, hevc, vp9, mjpeg)
  --output-format FMT        the container of the output written to standard output (-): nut,
                             matroska, mpegts, mp4 (fragmented), y4m, rawvideo (BGR24), ...
  Audio: the composition and foreground videos get every audio stream of the input, in its order,
  packet for packet when the container takes the codec, else re-encoded (AAC; Opus in webm; one
  line on stderr says so), cut to the --start/--frames span and in sync with the first frame.
  Alpha, error and refine-map videos get none. --no-audio drops it.

)";

const char* const kHelpOptions = R"(options:
  --background BG            colour #RRGGBB or R,G,B, an image (scaled to the frame), a video
                             (scaled, looped), or blur[:S]: the frame's own background blurred
                             (Gaussian, sigma S pixels in (0, 1000]; default the frame's longer
                             side / 96, 20 at 1080p; ./blur names a file); default 120,255,155
                             (RVM's green)
  --resize-plate             BGMv2: scale a plate of another size to the frame (else an error)
  --plate-median             BGMv2: one still plate from the plate video (or folder of images),
                             the per-pixel median of its frames (the lower middle value for an
                             even count); at most 32 frames spread evenly over the video are used
                             (fewer above 1080p: 256 MiB of frames, at least 3)
  --seq-chunk N              frames per inference call (default 1); a larger chunk batches the
                             encoder over N frames
  --reset-on-scene-cut[=T]   RVM: zero the recurrent state before a frame whose luma histogram
                             (32 bins, over at most 64x64 sample pixels) differs from the previous
                             frame's by more than T (half the L1 distance of the normalised
                             histograms, 0 to 1; default 0.065: consecutive frames of a shot in the
                             shared clips reach 0.039, their cuts 0.11 and more). The summary lists
                             the cut frames (0 = the first written); a --seq-chunk chunk ends at a cut
  --threads N                inference threads (default: every core)
  --start N                  skip the first N frames
  --frames N                 stop after N frames
  --fps F                    frame rate for image folders and cameras (default 30, or the
                             camera's); given for a video, it retimes the frames to F and drops
                             the audio
  --max-pixels N             refuse frames (and plates, backgrounds) of more than N pixels, before
                             decoding them (default 33177600: 8K UHD, 7680x4320; a run takes up
                             to about 30 bytes of memory per pixel)
  --overwrite                replace existing outputs (otherwise an existing output is an error).
                             Only what this tool could have written is replaced: a file of the
                             output's format, or a folder holding nothing but NNNNNN.png frames
  --preview                  show the composition in a window as it is produced; q stops and
                             keeps what was written
  --no-audio                 no audio in the video outputs
  --quiet                    no progress bar and no summary line; errors only
  --help, --version

BGMv2 needs frame sizes divisible by 4: other frames and their plates are padded by repeating the
edge pixels and the outputs cropped back. A plate that does not look like the scene's background
(often the new background given instead of the clean plate) gets one warning line on stderr,
"matte: warning: PLATE: ...", decided from the base network's error map over the first 5 frames.

Outputs are written in a private temporary folder beside the final path and renamed when all are
complete (a video on standard output is written as it goes); on an error or Ctrl-C nothing is left
behind, and an output that appeared meanwhile is
never replaced without --overwrite (exit codes: 0 done, 1 error, 2 bad command line, 130 Ctrl-C).
An output that is, or is a folder holding, an input, the model, a plate, the background or the
current folder is refused. The recurrent state carries over from frame to frame, so one input is
one clip (or, with --reset-on-scene-cut, one clip per shot).

With an output on standard output (-), the progress and the summary go to standard error. At most
one output may be -. A damaged input is decoded on (as ffmpeg does) and the summary counts the
frames lost; an input that ends early is warned about on stderr.

examples:
  matte --model rvm.safetensors --input clip.mp4 --output-composition comp.mp4 --output-alpha alpha/
  matte --model rvm_mobilenetv3_fp32.onnx --input clip.mp4 --output-alpha pha.mp4 \
        --output-foreground fgr.mp4 --downsample-ratio 0.25 --seq-chunk 4
  matte --model rvm.safetensors --input photo.jpg --output-composition cutout.png
  matte --model rvm.safetensors --input frames/ --fps 24 --output-composition comp.mov --background beach.jpg
  matte --model rvm.safetensors --input clip.mp4 --output-composition transparent.mov --video-codec prores
  matte --model rvm.safetensors --input clip.mp4 --output-composition web.webm
  ffmpeg -i in.mov -f nut - | matte --model rvm.safetensors --input - --output-composition - \
        --output-format nut --video-codec ffv1 | ffmpeg -f nut -i - out.mov
  matte --model rvm.safetensors --input camera:0 --preview --output-composition live.mp4
  matte --model rvm.safetensors --input-list clips.txt --shard 0/4 --output-composition 'out/{stem}.mp4' \
        --output-alpha 'out/{stem}_alpha/' --json report_0.json
  matte --model rvm.safetensors --input call.mp4 --output-composition blurred.mp4 --background blur:12
  matte --model bgm.safetensors --input take.mp4 --background-plate plate.jpg --output-alpha pha.mp4 \
        --output-refine-map refined/
)";

}  // namespace

std::string matte_help() {
  return std::string(kHelpStart) +
         "network settings (a setting the model's network has not is an error):\n" + settings_help() + "\n" +
         kHelpOptions;
}

namespace {

const std::vector<std::string> kValueOptions = {
    "--model",          "--input",   "--output-composition", "--output-alpha", "--output-foreground",
    "--output-type",    "--background", "--background-plate", "--seq-chunk",
    "--threads",        "--frames",  "--start",              "--fps",            "--output-error",
    "--output-refine-map",
    "--max-pixels", "--video-codec", "--input-list", "--shard", "--json", "--video-crf", "--video-preset", "--video-mbps", "--output-format"};
const std::vector<std::string> kSwitches = {"--quiet", "--preview", "--overwrite", "--resize-plate", "--no-audio",
                                            "--plate-median"};
const std::vector<std::string> kOptionalValues = {"--reset-on-scene-cut"};

}  // namespace

MatteOptions parse_matte_options(const std::vector<std::string>& argv) {
  std::vector<std::string> value_options = kValueOptions;
  for (const std::string& flag : setting_flags()) value_options.push_back(flag);
  const Args args(argv, value_options, kSwitches, kOptionalValues);
  MatteOptions o;
  o.model = args.required("--model");
  if (args.has("--input") == args.has("--input-list")) throw UsageError("give one of --input and --input-list");
  o.input = args.text("--input", "");
  o.input_list = args.text("--input-list", "");
  if (args.has("--shard")) {
    if (o.input_list.empty()) throw UsageError("--shard: only with --input-list");
    o.shard = parse_shard(args.required("--shard"));
    o.sharded = true;
  }
  o.json = args.text("--json", "");
  if (args.has("--json") && o.json.empty()) throw UsageError("--json: empty path");
  o.plate = args.text("--background-plate", "");
  check_template("--background-plate", o.plate);
  if (args.has("--background-plate") && o.plate.empty()) throw UsageError("--background-plate: empty path");

  if (args.has("--output-type")) o.output_type = parse_output_type(args.required("--output-type"));
  const std::pair<Content, const char*> contents[] = {{Content::composition, "--output-composition"},
                                                      {Content::alpha, "--output-alpha"},
                                                      {Content::foreground, "--output-foreground"},
                                                      {Content::error, "--output-error"},
                                                      {Content::refine_map, "--output-refine-map"}};
  for (const auto& [content, flag] : contents) {
    if (!args.has(flag)) continue;
    const std::string path = args.required(flag);
    if (path.empty()) throw UsageError(std::string(flag) + ": empty path");
    check_template(flag, path);
    if (path == "-" && !o.input_list.empty()) throw UsageError(std::string(flag) + " -: not with --input-list");
    o.outputs.push_back({content, flag, path, output_kind(path, o.output_type)});
  }
  o.preview = args.flag("--preview");
  if (o.outputs.empty() && !o.preview) {
    throw UsageError("no output: give --output-composition, --output-alpha, --output-foreground or --preview");
  }

  o.background_given = args.has("--background");
  if (o.background_given) o.background = parse_background(args.required("--background"));
  check_template("--background", o.background.path);
  o.video.codec = args.text("--video-codec", "");
  if (args.has("--video-crf")) o.video.crf = args.integer("--video-crf", 0, 0, 63);
  o.video.preset = args.text("--video-preset", "");
  if (args.has("--video-mbps")) o.video.mbps = args.real_above("--video-mbps", 0.0f, 0.0f, 10000.0f);
  o.video.format = args.text("--output-format", "");
  o.no_audio = args.flag("--no-audio");
  const OutputRequest* piped = nullptr;
  bool any_video = false;
  for (const OutputRequest& out : o.outputs) {
    if (out.path == "-") {
      if (piped) {
        throw UsageError("-: given to both " + piped->flag + " and " + out.flag +
                         "; one output at most goes to standard output");
      }
      piped = &out;
    }
    if (out.kind != OutputKind::video) continue;
    any_video = true;
    check_video_settings(out.path, o.video);
  }
  if (!o.video.format.empty() && !piped) throw UsageError("--output-format: only for an output to standard output (-)");
  if (!any_video && (!o.video.codec.empty() || o.video.crf || !o.video.preset.empty() || o.video.mbps)) {
    throw UsageError("--video-codec, --video-crf, --video-preset and --video-mbps need a video output");
  }
  o.settings = parse_settings(args);
  o.seq_chunk = args.integer("--seq-chunk", 1, 1, 256);
  if (args.flag("--reset-on-scene-cut")) {
    o.scene_cut = args.real_above("--reset-on-scene-cut", float(kDefaultSceneCut), 0.0f, 1.0f);
  }
  o.threads = args.integer("--threads", 0, 1, 1024);
  o.frames = args.integer("--frames", 0, 1, INT_MAX);
  o.start = args.integer("--start", 0, 0, INT_MAX);
  o.fps = args.real_above("--fps", 0.0f, 0.0f, 1000.0f);
  o.max_pixels = args.integer("--max-pixels", int(kDefaultMaxPixels), 1, INT_MAX);
  o.quiet = args.flag("--quiet");
  o.overwrite = args.flag("--overwrite");
  o.resize_plate = args.flag("--resize-plate");
  o.plate_median = args.flag("--plate-median");
  if (o.plate_median && o.plate.empty()) throw UsageError("--plate-median: needs --background-plate with a plate video");
  return o;
}

}  // namespace matte::cli
