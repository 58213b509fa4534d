// The library's public header: a matting session over a converted weight file of any network the
// build runs (RVM with MobileNetV3 or ResNet50: frames in order, recurrent; BackgroundMattingV2
// MobileNetV2: each frame with its clean background plate). capabilities() says which.
//
//   matte::Session s("rvm.safetensors", {.threads = 2});
//   for (each frame) { matte::Matte m = s.process(matte::Image8{ptr, w, h, stride}); use m.alpha8 ... }
//   s.reset();  // at a scene cut
//   matte::Session b("bgm.safetensors");  m = b.process(frame, plate);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "matte_config.h"

namespace matte {

// Every failure the library reports: the message names the file or value and the problem.
struct MATTE_API Error : std::runtime_error {
  using std::runtime_error::runtime_error;
  ~Error() override;  // out of line: the type's identity lives in the library
};

// The library's MATTE_VERSION_STRING, which may differ from the header's.
MATTE_API const char* version();

enum class PixelFormat { rgb8, bgr8 };

// Interleaved 8-bit 3-channel pixels with a row stride in bytes (a cv::Mat's buffer, no copy).
struct Image8 {
  const uint8_t* data = nullptr;
  int width = 0, height = 0;
  size_t row_stride = 0;
  PixelFormat format = PixelFormat::rgb8;
};

// Planar float RGB in [0, 1]: three width×height planes, R then G then B (ONNX's NCHW, N = 1).
struct PlanarImage {
  const float* data = nullptr;
  int width = 0, height = 0;
};

// The results Session::process fills, as a bit-set (combine with |). The vectors of a Matte that
// were not asked for are left empty and their memory released; what is not asked for is not
// computed, so fewer results cost less time and memory (their vectors: 1 byte per pixel for 8-bit
// alpha alone, 20 for alpha, foreground and their 8-bit forms). error8 and refined8 exist for
// BGMv2 only; an RVM session ignores them.
enum class Result : unsigned {
  none = 0,
  alpha = 1,         // Matte::alpha
  foreground = 2,    // Matte::foreground
  alpha8 = 4,        // Matte::alpha8
  foreground8 = 8,   // Matte::foreground8
  error8 = 16,       // Matte::error8
  refined8 = 32,     // Matte::refined8
  all = 63,
};
constexpr Result operator|(Result a, Result b) { return Result(unsigned(a) | unsigned(b)); }
constexpr Result operator&(Result a, Result b) { return Result(unsigned(a) & unsigned(b)); }
// Whether `set` holds every result of `r`.
constexpr bool has(Result set, Result r) { return (set & r) == r; }

// One frame's result at full resolution; only the vectors of SessionOptions::results are filled.
struct Matte {
  int width = 0, height = 0;
  std::vector<float> alpha;           // width·height, clamped to [0, 1]
  std::vector<float> foreground;      // planar RGB, 3·width·height, clamped to [0, 1]
  std::vector<uint8_t> alpha8;        // round(α·255)
  std::vector<uint8_t> foreground8;   // interleaved, same channel order as the input (RGB for planar input)
  // BGMv2 only: the base network's error map (nearest-upscaled to the frame, round(e·255)), 255 on
  // the 4×4 patches the refiner recomputed, and how many it recomputed.
  std::vector<uint8_t> error8, refined8;
  int64_t refined_patches = 0;
};

// A recurrent state as ONNX lays it out: channels × height × width.
struct StateView {
  int channels = 0, height = 0, width = 0;
  std::vector<float> values;
};

// Time spent in one step of the forward pass since the session began (or clear_profile()).
struct ProfileEntry {
  std::string stage;  // input, backbone, decoder, gru, guided filter, output ...
  std::string step;   // the layer or pass
  double seconds = 0.0;
  double flops = 0.0;  // multiply-add = 2; 0 for passes that are not arithmetic-bound
  int64_t calls = 0;
};

// One setting of a network, as Capabilities::settings lists it (the tools offer each as --<name>).
// Values are written as text: a number in the range, or one of `words`.
struct Setting {
  enum class Kind { number, integer, word };
  std::string name = {};    // "downsample-ratio", "backbone-scale", ...
  std::string description = {};  // one line, for help texts
  Kind kind = Kind::number;
  double min = 0.0, max = 0.0;     // number: min < value <= max; integer: min <= value <= max
  std::vector<std::string> words = {};  // word: the values; number and integer: words taken besides numbers ("auto")
  std::string value = {};  // the session's value; in supported_networks(), the default ("" = the weight file's)
  bool between_frames = false;  // Session::set changes it between frames; otherwise only SessionOptions
};

// What the session's network takes and gives, so that callers check their inputs and name the
// network without knowing which it is.
struct MATTE_API Capabilities {
  std::string architecture;  // the weight file's: "rvm_mobilenetv3", "rvm_resnet50", "bgm_mobilenetv2"
  std::string title;         // for messages: "RVM (MobileNetV3)"
  bool takes_plate = false;  // a clean background plate with every frame: process(frame, plate)
  int recurrent_states = 0;  // carried from frame to frame (recurrent_state); 0: frames are independent
  Result results = Result::none;  // what process() can fill; others asked for stay empty
  std::vector<Setting> settings = {};

  // The setting so named, or null.
  const Setting* setting(const std::string& name) const;
};

// Every network this build runs, in registry order, with its settings' defaults.
MATTE_API std::vector<Capabilities> supported_networks();
// Throws Error("<name> <value>: ...") unless `value` is valid for `setting`.
MATTE_API void check_setting(const Setting& setting, const std::string& value);

struct SessionOptions {
  int threads = 0;  // 0 = every core
  // Settings by name, e.g. {{"downsample-ratio", "0.25"}} (see Capabilities::settings). A name the
  // network has not, or a value it does not take, throws Error naming the network.
  std::vector<std::pair<std::string, std::string>> settings = {};
  bool profile = false;          // time every step (see Session::profile)
  Result results = Result::all;  // what process() fills; values outside Result::all throw Error
};

class MATTE_API Session {
 public:
  // Throws matte::Error (naming the file) for a missing or broken file, or another architecture.
  explicit Session(const std::string& weight_path, SessionOptions options = {});
  // The same from a weight file's bytes already in memory (e.g. an ONNX model converted on the
  // fly); `origin` names it in errors.
  Session(std::vector<uint8_t> weight_file_bytes, const std::string& origin, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Its settings' values are this session's.
  const Capabilities& capabilities() const;

  // Zero recurrent state, as at the start of a clip (scene cuts).
  void reset();
  // A setting that changes between frames (Setting::between_frames); throws Error as SessionOptions.
  void set(const std::string& name, const std::string& value);
  // The results the next frames fill (see SessionOptions::results); throws Error outside Result::all.
  void set_results(Result results);
  // The downsample ratio used for a width×height frame; 0 for a network without one.
  float downsample_ratio_for(int width, int height) const;

  // Frames of one clip go through in order; the recurrent state carries over. A frame of another
  // size than the previous one throws Error unless reset() came between.
  Matte process(const Image8& frame);
  Matte process(const PlanarImage& frame);
  // The same into `out`, reusing the memory of its buffers: a stream of frames of one size then
  // allocates nothing per frame.
  void process(const Image8& frame, Matte& out);
  // T frames: the encoder runs batched over the chunk, the ConvGRUs step in order.
  std::vector<Matte> process_chunk(std::span<const Image8> frames);
  // BGMv2: a frame and its background plate of the same size (any size: the network needs multiples
  // of 4, so both are padded by edge replication and the results cropped back).
  Matte process(const Image8& frame, const Image8& plate);
  void process(const Image8& frame, const Image8& plate, Matte& out);

  // With SessionOptions::profile: time per step, in the order first run; empty otherwise.
  std::vector<ProfileEntry> profile() const;
  void clear_profile();

  // r1..r4 after the last frame (index 0..3), for comparison with the ONNX outputs r1o..r4o.
  StateView recurrent_state(int index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// min(1, 512 / max(width, height)): RVM's recommendation as the default ratio.
MATTE_API float auto_downsample_ratio(int width, int height);

}  // namespace matte
