#include "tools/matte/options.h"

#include <climits>

#include "tools/common/args.h"

namespace matte::cli {

const char* const kMatteHelp = R"(matte: human video matting on the CPU (Robust Video Matting, MobileNetV3)

usage: matte --model MODEL --input INPUT [outputs] [options]

  --model PATH               a converted weight file (.safetensors, from onnx2flat) or the
                             published .onnx file (converted in memory at start-up)
  --input INPUT              a video file, one image, a folder of images (name order, one
                             sequence) or camera:N (camera number N)

outputs (any combination; at least one, or --preview):
  --output-composition PATH  the foreground over --background
  --output-alpha PATH        the alpha matte
  --output-foreground PATH   the predicted foreground colours
  --output-type TYPE         video or png_sequence, for every output. Default: by the path:
                             .mp4 .m4v .mov .mkv (H.264) and .avi (MJPEG) are videos; .png .jpg
                             .jpeg .bmp .tif .tiff .webp are one image (one-frame runs only); a
                             folder, a trailing '/' or no extension is a PNG sequence
  Videos keep the input's size and frame rate. PNG sequences are numbered 000000.png, 000001.png,
  ...; alpha is 8-bit one channel, round(alpha*255); a composition PNG is RGBA (foreground with
  alpha) for use in any editor; a composition video is flattened over --background.

options:
  --background BG            colour #RRGGBB or R,G,B, an image (scaled to the frame) or a video
                             (scaled, looped); default 120,255,155 (RVM's green)
  --background-plate PATH    the clean background plate of BGMv2 models (RVM takes none)
  --downsample-ratio R|auto  the network's working scale, in (0, 1]; auto (default) makes the
                             frame's longer side at most 512 px: 0.25 suits 1080p, 0.125 4K
  --seq-chunk N              frames per inference call (default 1); a larger chunk batches the
                             encoder over N frames
  --threads N                inference threads (default: every core)
  --start N                  skip the first N frames
  --frames N                 stop after N frames
  --fps F                    frame rate of video outputs (default: the input video's; 30 for
                             images and cameras that report none)
  --overwrite                replace existing outputs (otherwise an existing output is an error)
  --preview                  show the composition in a window as it is produced; q stops and
                             keeps what was written
  --quiet                    no progress bar and no summary line; errors only
  --help, --version

Outputs are written under a temporary name beside the final path and renamed when complete; on an
error or Ctrl-C nothing is left behind (exit codes: 0 done, 1 error, 2 bad command line,
130 Ctrl-C). The recurrent state carries over from frame to frame, so one call is one clip.

Audio: OpenCV does not carry the audio track. Copy it back from the input with ffmpeg:
  ffmpeg -i composition.mp4 -i input.mp4 -map 0:v -map 1:a? -c copy composition_with_audio.mp4

examples:
  matte --model rvm.safetensors --input clip.mp4 --output-composition comp.mp4 --output-alpha alpha/
  matte --model rvm_mobilenetv3_fp32.onnx --input clip.mp4 --output-alpha pha.mp4 \
        --output-foreground fgr.mp4 --downsample-ratio 0.25 --seq-chunk 4
  matte --model rvm.safetensors --input photo.jpg --output-composition cutout.png
  matte --model rvm.safetensors --input frames/ --fps 24 --output-composition comp.mov --background beach.jpg
  matte --model rvm.safetensors --input camera:0 --preview --output-composition live.mp4
)";

namespace {

const std::vector<std::string> kValueOptions = {
    "--model",          "--input",   "--output-composition", "--output-alpha", "--output-foreground",
    "--output-type",    "--background", "--background-plate", "--downsample-ratio", "--seq-chunk",
    "--threads",        "--frames",  "--start",              "--fps"};
const std::vector<std::string> kSwitches = {"--quiet", "--preview", "--overwrite"};

}  // namespace

MatteOptions parse_matte_options(const std::vector<std::string>& argv) {
  const Args args(argv, kValueOptions, kSwitches);
  MatteOptions o;
  o.model = args.required("--model");
  o.input = args.required("--input");
  o.plate = args.text("--background-plate", "");
  if (args.has("--background-plate") && o.plate.empty()) throw UsageError("--background-plate: empty path");

  std::optional<OutputKind> forced;
  if (args.has("--output-type")) forced = parse_output_type(args.required("--output-type"));
  const std::pair<Content, const char*> contents[] = {{Content::composition, "--output-composition"},
                                                      {Content::alpha, "--output-alpha"},
                                                      {Content::foreground, "--output-foreground"}};
  for (const auto& [content, flag] : contents) {
    if (!args.has(flag)) continue;
    const std::string path = args.required(flag);
    if (path.empty()) throw UsageError(std::string(flag) + ": empty path");
    o.outputs.push_back({content, flag, path, output_kind(path, forced)});
  }
  o.preview = args.flag("--preview");
  if (o.outputs.empty() && !o.preview) {
    throw UsageError("no output: give --output-composition, --output-alpha, --output-foreground or --preview");
  }

  if (args.has("--background")) o.background = parse_background(args.required("--background"));
  const std::string ratio = args.text("--downsample-ratio", "auto");
  o.downsample_ratio = ratio == "auto" ? 0.0f : args.real_above("--downsample-ratio", 0.0f, 0.0f, 1.0f);
  o.seq_chunk = args.integer("--seq-chunk", 1, 1, 256);
  o.threads = args.integer("--threads", 0, 1, 1024);
  o.frames = args.integer("--frames", 0, 1, INT_MAX);
  o.start = args.integer("--start", 0, 0, INT_MAX);
  o.fps = args.real_above("--fps", 0.0f, 0.0f, 1000.0f);
  o.quiet = args.flag("--quiet");
  o.overwrite = args.flag("--overwrite");
  return o;
}

}  // namespace matte::cli
