// `matte`'s flag parsing and its progress/summary text, in-process.
#include <doctest/doctest.h>

#include <sstream>

#include "tools/common/args.h"
#include "tools/matte/options.h"
#include "tools/matte/progress.h"

namespace matte::cli {

namespace {

std::vector<std::string> with_base(std::vector<std::string> extra) {
  std::vector<std::string> argv = {"--model", "m.safetensors", "--input", "clip.mp4"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::string usage_error(std::vector<std::string> extra) {
  try {
    parse_matte_options(with_base(extra));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("matte options: defaults follow RVM's convert_video") {
  const MatteOptions o = parse_matte_options(with_base({"--output-alpha", "alpha/"}));
  CHECK(o.model == "m.safetensors");
  CHECK(o.input == "clip.mp4");
  REQUIRE(o.outputs.size() == 1);
  CHECK(o.outputs[0].content == Content::alpha);
  CHECK(o.outputs[0].kind == OutputKind::png_sequence);
  CHECK(o.settings.empty());
  CHECK(o.seq_chunk == 1);
  CHECK(o.threads == 0);
  CHECK(o.frames == 0);
  CHECK(o.start == 0);
  CHECK(o.fps == 0.0);
  CHECK(!o.quiet);
  CHECK(!o.preview);
  CHECK(!o.overwrite);
  REQUIRE(o.background.colour.has_value());
  CHECK(*o.background.colour == cv::Vec3b(155, 255, 120));
}

TEST_CASE("matte options: every flag read, outputs kept in composition/alpha/foreground order") {
  const MatteOptions o = parse_matte_options(with_base(
      {"--output-foreground", "f.avi", "--output-alpha", "a.mp4", "--output-composition", "c.png", "--background",
       "#102030", "--downsample-ratio", "0.25", "--seq-chunk", "4", "--threads", "3", "--frames", "10", "--start",
       "2", "--fps", "23.976", "--quiet", "--overwrite"}));
  REQUIRE(o.outputs.size() == 3);
  CHECK(o.outputs[0].flag == "--output-composition");
  CHECK(o.outputs[0].kind == OutputKind::image);
  CHECK(o.outputs[1].kind == OutputKind::video);
  CHECK(o.outputs[2].path == "f.avi");
  CHECK(*o.background.colour == cv::Vec3b(0x30, 0x20, 0x10));
  CHECK(o.settings == std::vector<std::pair<std::string, std::string>>{{"downsample-ratio", "0.25"}});
  CHECK(o.seq_chunk == 4);
  CHECK(o.threads == 3);
  CHECK(o.frames == 10);
  CHECK(o.start == 2);
  CHECK(o.fps == doctest::Approx(23.976));
  CHECK(o.quiet);
  CHECK(o.overwrite);
  CHECK(parse_matte_options(with_base({"--output-alpha", "a.mp4", "--output-type", "png_sequence"})).outputs[0].kind ==
        OutputKind::png_sequence);
  CHECK(parse_matte_options(with_base({"--preview"})).preview);
}

TEST_CASE("matte options: bad values are usage errors naming the flag") {
  CHECK(usage_error({}).starts_with("no output"));
  CHECK(usage_error({"--output-alpha", "a", "--downsample-ratio", "0"}) == "--downsample-ratio 0: not a number in (0, 1] or auto");
  CHECK(usage_error({"--output-alpha", "a", "--downsample-ratio", "x"}) == "--downsample-ratio x: not a number in (0, 1] or auto");
  CHECK(usage_error({"--output-alpha", "a", "--seq-chunk", "0"}).starts_with("--seq-chunk 0"));
  CHECK(usage_error({"--output-alpha", "a", "--threads", "-1"}).starts_with("--threads -1"));
  CHECK(usage_error({"--output-alpha", "a", "--fps", "0"}).starts_with("--fps 0"));
  CHECK(usage_error({"--output-alpha", "a", "--output-type", "gif"}).find("gif") != std::string::npos);
  CHECK(usage_error({"--output-alpha", "a", "--bogus", "1"}) == "unknown option --bogus");
  CHECK(usage_error({"--output-alpha", "--quiet"}) == "--output-alpha needs a value");
  CHECK(usage_error({"--output-alpha", "a", "--quiet", "--quiet"}) == "--quiet given twice");
  CHECK(usage_error({"--output-alpha", "a", "--background-plate", ""}).starts_with("--background-plate"));
}

TEST_CASE("matte progress line and summary") {
  CHECK(progress_line(25, 100, 5.0) == "25/100 [=======>                      ]  25%  5.0 fps  ETA 0:15");
  CHECK(progress_line(7, -1, 2.0) == "7 frames  3.5 fps");
  CHECK(progress_line(100, 100, 10.0).find("100%") != std::string::npos);
  CHECK(summary_line(100, 1920, 1080, 10.0, "downsample ratio 0.25, 2 threads") ==
        "matte: 100 frames 1920x1080 in 10.00 s, 10.00 fps (downsample ratio 0.25, 2 threads)");
  // In a batch: the clip before the bar and in the summary.
  CHECK(summary_line(3, 640, 360, 1.0, "2 threads", "clip 2/6 take.mp4: ") ==
        "matte: clip 2/6 take.mp4: 3 frames 640x360 in 1.00 s, 3.00 fps (2 threads)");
  std::ostringstream terminal;
  Progress bar(terminal, 10, true, "clip 2/6 take.mp4: ");
  bar.update(1);
  CHECK(terminal.str().starts_with("\rclip 2/6 take.mp4: 1/10 ["));
}

}  // namespace matte::cli
