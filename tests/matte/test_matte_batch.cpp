// `matte --input-list`: batches, output templates, shards in concurrent processes, resuming after a
// kill, the --json report and the batch's errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "engine/weight_file.h"
#include "tests/matte/cli_test_util.h"
#include "tests/matte/media.h"
#include "tests/shared_data.h"
#include "tools/onnx2flat/convert.h"

namespace matte::test {

namespace {

constexpr int kFrames = 2;  // per clip (--frames): the second frame carries the first one's state

// The model converted once per test, outside the folder whose listing the tests check.
std::string converted_rvm(const TempDir& tmp) {
  const ConvertedModel model = convert_onnx(require_shared(kRvm));
  const fs::path path = tmp.root / "rvm.safetensors";
  write_weight_file(path.string(), model.metadata, model.tensors);
  return path.string();
}

// Six clips of different sizes and kinds: videos (one with audio, one 1080p), a PNG, a JPEG and an
// image folder given relative to the list, between a comment and blank lines.
struct ClipList {
  std::string path;
  std::vector<std::string> inputs, stems;
};

ClipList make_list(const TempDir& tmp) {
  fs::create_directories(tmp.dir / "clips" / "seq");
  for (int k = 0; k < 2; ++k) {
    fs::copy_file(require_shared(kGreenSrc), tmp.dir / "clips" / "seq" / cv::format("%d.png", k));
  }
  ClipList list;
  list.inputs = {require_shared(kClip),  require_shared(kSuit),
                 "seq",
                 require_shared(kStudio), require_shared(kPortrait),
                 require_shared(kAudioClip)};
  list.stems = {"mechanic_360x640", "suit_570x407", "seq", "studio_1920x1080", "portrait_900x1156", "mechanic_audio_360x640"};
  list.path = tmp / "clips/list.txt";
  std::string text = "# six clips\n\n";
  for (const std::string& input : list.inputs) text += "  " + input + "\n\n";
  write_text(list.path, text);
  list.inputs[2] = (tmp.dir / "clips" / "seq").string();
  return list;
}

Args batch_args(const std::string& model, const ClipList& list, const std::string& out) {
  return {"--model", model, "--input-list", list.path, "--frames", std::to_string(kFrames), "--threads", "1",
          "--output-alpha", out + "/{index}_{stem}_alpha/", "--output-composition", out + "/{stem}.mkv",
          "--video-codec", "ffv1"};
}

Args with(Args args, const Args& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The outputs of clip i in `out` equal those of a single run of it (alpha byte for byte, the
// lossless composition frame for frame).
void check_like_single_run(const TempDir& tmp, const std::string& model, const ClipList& list, size_t i,
                           const fs::path& out) {
  const fs::path single = tmp.root / "single" / std::to_string(i);
  if (!fs::exists(single)) {
    fs::create_directories(single);
    const RunResult r = run_matte(tmp, {"--model", model, "--input", list.inputs[i], "--frames", std::to_string(kFrames),
                                        "--threads", "1", "--quiet", "--output-alpha", (single / "alpha").string(),
                                        "--output-composition", (single / "comp.mkv").string(), "--video-codec", "ffv1"});
    INFO("stderr: ", r.err);
    REQUIRE(r.code == 0);
  }
  INFO("clip ", i, " ", list.inputs[i]);
  const fs::path alpha = out / (std::to_string(i) + "_" + list.stems[i] + "_alpha");
  const std::vector<std::string> frames = listing(single / "alpha");
  REQUIRE(!frames.empty());
  CHECK(joined(listing(alpha)) == joined(frames));
  for (const std::string& name : frames) CHECK(read_text(alpha / name) == read_text(single / "alpha" / name));
  const VideoInfo a = read_video((out / (list.stems[i] + ".mkv")).string(), true);
  const VideoInfo b = read_video((single / "comp.mkv").string(), true);
  REQUIRE(a.frames == b.frames);
  for (int f = 0; f < a.frames; ++f) CHECK(cv::norm(a.images[size_t(f)], b.images[size_t(f)], cv::NORM_INF) == 0);
}

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(read_text(path)); }

// Frames written for clip i of make_list's: the images have one, the folder two.
int clip_frames(size_t i) { return i == 1 || i == 4 ? 1 : i == 2 ? 2 : kFrames; }

std::vector<std::string> expected_outputs(const ClipList& list, std::initializer_list<size_t> clips) {
  std::vector<std::string> names;
  for (size_t i : clips) {
    const std::string alpha = std::to_string(i) + "_" + list.stems[i] + "_alpha";
    names.push_back(alpha);
    for (int f = 0; f < clip_frames(i); ++f) names.push_back(alpha + "/" + cv::format("%06d.png", f));
    names.push_back(list.stems[i] + ".mkv");
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Shard 1 of make_list's clips is clips 1 (an image), 3 (1080p) and 5: returns once clip 1 is
// complete and clip 3's temporaries exist.
void wait_until_writing_clip3(const TempDir& tmp, Child& shard) {
  const auto deadline = std::chrono::steady_clock::now() + time_limit(std::chrono::seconds(120));
  const auto writing_clip3 = [&] {
    for (const std::string& name : listing(tmp.dir / "out")) {
      if (contains(name, "studio_1920x1080") && contains(name, "matte-tmp")) return true;
    }
    return false;
  };
  while (!(fs::exists(tmp.dir / "out" / "suit_570x407.mkv") && writing_clip3())) {
    REQUIRE(shard.running());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

TEST_CASE("matte batch: two shards in two processes write every clip once, each as a single run would") {
  const TempDir tmp;
  const std::string model = converted_rvm(tmp);
  const ClipList list = make_list(tmp);
  fs::create_directories(tmp.dir / "out");
  const Args args = batch_args(model, list, (tmp.dir / "out").string());
  Child first(with(args, {"--shard", "0/2", "--json", tmp / "shard0.json"}), tmp.io);
  Child second(with(args, {"--shard", "1/2", "--json", tmp / "shard1.json"}), tmp.io);
  for (Child* child : {&first, &second}) {
    const RunResult r = child->wait();
    INFO("stdout: ", r.out, "\nstderr: ", r.err);
    REQUIRE(r.code == 0);
    CHECK(contains(last_line(r.out), "matte: 3 clips: 3 done, 0 done earlier, 0 failed"));
  }
  CHECK(joined(listing(tmp.dir / "out")) == joined(expected_outputs(list, {0, 1, 2, 3, 4, 5})));
  for (size_t i = 0; i < 6; ++i) check_like_single_run(tmp, model, list, i, tmp.dir / "out");

  for (int shard = 0; shard < 2; ++shard) {
    INFO("shard ", shard);
    const nlohmann::json report = read_json(tmp.dir / ("shard" + std::to_string(shard) + ".json"));
    CHECK(report["shard"]["index"] == shard);
    CHECK(report["shard"]["count"] == 2);
    REQUIRE(report["clips"].size() == 3);
    int64_t frames = 0;
    for (size_t k = 0; k < 3; ++k) {
      const nlohmann::json& clip = report["clips"][k];
      const size_t i = size_t(shard) + 2 * k;
      CHECK(clip["index"] == i);
      CHECK(clip["input"] == list.inputs[i]);
      CHECK(clip["status"] == "done");
      CHECK(clip["error"].is_null());
      CHECK(clip["frames"] == clip_frames(i));
      CHECK(clip["lost_frames"] == 0);
      CHECK(clip["outputs"]["alpha"] == (tmp.dir / "out").string() + "/" + std::to_string(i) + "_" + list.stems[i] + "_alpha/");
      CHECK(clip["seconds"].get<double>() > 0);
      frames += clip["frames"].get<int64_t>();
    }
    CHECK(report["totals"]["clips"] == 3);
    CHECK(report["totals"]["done"] == 3);
    CHECK(report["totals"]["done_earlier"] == 0);
    CHECK(report["totals"]["failed"] == 0);
    CHECK(report["totals"]["frames"] == frames);
  }
}

TEST_CASE("matte batch: a shard killed in mid-clip finishes only its missing clips when run again") {
  const TempDir tmp;
  const std::string model = converted_rvm(tmp);
  const ClipList list = make_list(tmp);
  fs::create_directories(tmp.dir / "out");
  const Args args = with(batch_args(model, list, (tmp.dir / "out").string()), {"--shard", "1/2"});
  {
    Child shard(args, tmp.io);
    wait_until_writing_clip3(tmp, shard);
    shard.signal(SIGKILL);
    CHECK(shard.wait().code == 128 + SIGKILL);
  }
  CHECK(!fs::exists(tmp.dir / "out" / "studio_1920x1080.mkv"));

  const RunResult again = run_matte(tmp, with(args, {"--json", tmp / "report.json"}));
  INFO("stdout: ", again.out, "\nstderr: ", again.err);
  REQUIRE(again.code == 0);
  CHECK(contains(again.out, "matte: clip 1/3 suit_570x407.png: done earlier (its outputs exist)"));
  CHECK(contains(last_line(again.out), "matte: 3 clips: 2 done, 1 done earlier, 0 failed"));
  // The killed run's temporaries are gone with it (removed as left by a dead process).
  CHECK(joined(listing(tmp.dir / "out")) == joined(expected_outputs(list, {1, 3, 5})));
  for (size_t i : {1, 3, 5}) check_like_single_run(tmp, model, list, i, tmp.dir / "out");
  const nlohmann::json report = read_json(tmp.dir / "report.json");
  CHECK(report["clips"][0]["status"] == "done_earlier");
  CHECK(report["clips"][0]["frames"] == 0);
  CHECK(report["clips"][1]["status"] == "done");
  CHECK(report["clips"][2]["status"] == "done");
  CHECK(report["totals"]["done"] == 2);
  CHECK(report["totals"]["done_earlier"] == 1);
  CHECK(report["totals"]["frames"] == 2 * kFrames);
}

TEST_CASE("matte batch: Ctrl-C stops after cleaning the clip in progress") {
  const TempDir tmp;
  const std::string model = converted_rvm(tmp);
  const ClipList list = make_list(tmp);
  fs::create_directories(tmp.dir / "out");
  Child shard(with(batch_args(model, list, (tmp.dir / "out").string()), {"--shard", "1/2", "--json", tmp / "r.json"}),
              tmp.io);
  wait_until_writing_clip3(tmp, shard);
  shard.signal(SIGINT);
  const RunResult r = shard.wait();
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.code == 130);
  CHECK(r.err == "matte: clip 2/3 studio_1920x1080.mp4: interrupted by signal 2; this clip's outputs not written, "
                 "earlier clips' complete\n");
  CHECK(joined(listing(tmp.dir / "out")) == joined(expected_outputs(list, {1})));
  CHECK(!fs::exists(tmp.dir / "r.json"));  // an interrupted run reports nothing: running it again does
}

TEST_CASE("matte batch: a missing clip is reported, the others done, exit 1") {
  const TempDir tmp;
  const std::string model = converted_rvm(tmp);
  const std::string suit = require_shared(kSuit);
  write_text(tmp / "list.txt", suit + "\nmissing.mp4\n" + require_shared(kPortrait) + "\n");
  const RunResult r = run_matte(tmp, {"--model", model, "--input-list", tmp / "list.txt", "--output-alpha",
                                      tmp / "{stem}.png", "--json", tmp / "report.json"});
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  CHECK(r.code == 1);
  CHECK(r.err == "matte: clip 2/3 missing.mp4: " + tmp / "missing.mp4" + ": no such file (--input)\n");
  CHECK(contains(last_line(r.out), "matte: 3 clips: 2 done, 0 done earlier, 1 failed"));
  CHECK(joined(listing(tmp.dir)) == "list.txt portrait_900x1156.png report.json suit_570x407.png ");
  const nlohmann::json report = read_json(tmp.dir / "report.json");
  CHECK(report["clips"][1]["status"] == "failed");
  CHECK(report["clips"][1]["error"] == tmp / "missing.mp4" + ": no such file (--input)");
  CHECK(report["totals"]["failed"] == 1);
  CHECK(report["totals"]["done"] == 2);
  CHECK(report["totals"]["frames"] == 2);
}

TEST_CASE("matte --json for a single run") {
  const TempDir tmp;
  const std::string suit = require_shared(kSuit);
  const RunResult r = run_matte(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha",
                                      tmp / "pha.png", "--json", tmp / "report.json"});
  check_success(r, 1);
  const nlohmann::json report = read_json(tmp.dir / "report.json");
  CHECK(report["shard"].is_null());
  REQUIRE(report["clips"].size() == 1);
  CHECK(report["clips"][0]["input"] == suit);
  CHECK(report["clips"][0]["status"] == "done");
  CHECK(report["clips"][0]["size"] == nlohmann::json{570, 407});
  CHECK(report["totals"]["frames"] == 1);
  // A file there that is not a report is refused; a report is replaced (a resumed batch rewrites it).
  check_success(run_matte(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha", tmp / "pha2.png",
                                "--json", tmp / "report.json"}),
                1);
  // Never over or into what the run reads or writes.
  check_failure(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha", tmp / "pha3.png", "--json",
                      tmp / "pha3.png"},
                {2}, {tmp / "pha3.png", "--json would write over or into --output-alpha"});
  check_failure(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha", tmp / "pha3", "--json",
                      tmp / "pha3/r.json"},
                {2}, {"--json would write over or into --output-alpha"});
  check_failure(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha", tmp / "pha3.png", "--json",
                      suit},
                {2}, {"--json would write over or into an input"});
  write_text(tmp / "notes.json", "{\"mine\": 1}\n");
  check_failure(tmp, {"--model", require_shared(kRvm), "--input", suit, "--output-alpha", tmp / "pha3.png", "--json",
                      tmp / "notes.json"},
                {1}, {tmp / "notes.json", "not a matte report"});
}

TEST_CASE("matte batch: command-line and list errors, before any work") {
  const TempDir tmp;
  const std::string model = require_shared(kRvm);
  fs::create_directories(tmp.dir / "a");
  fs::create_directories(tmp.dir / "b");
  fs::copy_file(require_shared(kSuit), tmp.dir / "a" / "x.png");
  fs::copy_file(require_shared(kSuit), tmp.dir / "b" / "x.png");
  write_text(tmp / "list.txt", "a/x.png\nb/x.png\n");
  const std::string list = tmp / "list.txt";
  check_failure(tmp, {"--model", model, "--input-list", list, "--output-alpha", tmp / "{stem}_{take}/"}, {2},
                {"--output-alpha", "unknown field {take}"});
  check_failure(tmp, {"--model", model, "--input-list", list, "--output-alpha", tmp / "{stem"}, {2}, {"unclosed {"});
  check_failure(tmp, {"--model", model, "--input-list", list, "--output-alpha", tmp / "{stem}.png"}, {2},
                {tmp / "x.png", "clips 0 (", "and 1 (", "both write it"});
  check_failure(tmp, {"--model", model, "--input-list", list, "--output-alpha", tmp / "out/{name}"}, {2},
                {"both write it"});
  check_failure(tmp, {"--model", model, "--input-list", tmp / "none.txt", "--output-alpha", tmp / "{stem}.png"}, {1},
                {tmp / "none.txt", "no such file"});
  write_text(tmp / "empty.txt", "# nothing yet\n\n");
  check_failure(tmp, {"--model", model, "--input-list", tmp / "empty.txt", "--output-alpha", tmp / "{stem}.png"}, {1},
                {tmp / "empty.txt", "lists no clip"});
  check_failure(tmp, {"--model", model, "--input-list", list, "--input", tmp / "a/x.png", "--output-alpha", tmp / "o"},
                {2}, {"one of --input and --input-list"});
  check_failure(tmp, {"--model", model, "--input", tmp / "a/x.png", "--shard", "0/2", "--output-alpha", tmp / "o.png"},
                {2}, {"--shard", "only with --input-list"});
  for (const char* shard : {"2/2", "-1/2", "0/0", "1", "a/b", "0/2x"}) {
    check_failure(tmp, {"--model", model, "--input-list", list, "--shard", shard, "--output-alpha", tmp / "{parent}.png"},
                  {2}, {"--shard", shard});
  }
  check_failure(tmp, {"--model", model, "--input-list", list, "--output-alpha", "-"}, {2}, {"not with --input-list"});
  // One clip's output is another's input.
  fs::copy_file(require_shared(kSuit), tmp.dir / "b" / "1.png");
  write_text(tmp / "list2.txt", "b/1.png\na/x.png\n");
  check_failure(tmp, {"--model", model, "--input-list", tmp / "list2.txt", "--output-alpha", tmp / "b/{index}.png"}, {2},
                {"clip 0's input is clip 1's --output-alpha"});
}

TEST_CASE("matte batch: {index} is zero-padded to the list's width, {parent} names the folder") {
  const TempDir tmp;
  const std::string model = converted_rvm(tmp);
  std::string text;
  fs::create_directories(tmp.dir / "takes");
  fs::copy_file(require_shared(kSuit), tmp.dir / "takes" / "suit.png");
  for (int k = 0; k < 11; ++k) text += k == 10 ? "takes/suit.png\n" : "# line " + std::to_string(k) + "\n";
  text += "takes/suit.png\n";  // the same input again: told apart by {index}
  for (int k = 0; k < 10; ++k) text += "takes/suit.png\n";
  write_text(tmp / "list.txt", text);
  fs::create_directories(tmp.dir / "out");
  const RunResult r = run_matte(tmp, {"--model", model, "--input-list", tmp / "list.txt", "--shard", "3/4",
                                      "--quiet", "--output-alpha", tmp / "out/{parent}_{index}_{name}"});
  INFO("stderr: ", r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.empty());
  CHECK(joined(listing(tmp.dir / "out")) == "takes_03_suit.png takes_07_suit.png takes_11_suit.png ");
}

}  // namespace matte::test
