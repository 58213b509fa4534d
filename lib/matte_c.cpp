// The C API over matte::Session: exceptions become statuses and this thread's last error.
#include "engine/matte_c.h"

#include <charconv>
#include <cstring>
#include <new>
#include <string>

#include "engine/matte.h"

struct matte_session {
  matte::Session session;
  matte::Matte out;  // reused: a stream of one size allocates nothing per frame
};

namespace {

thread_local std::string last_error;

int fail(int status, std::string message) {
  last_error = std::move(message);
  return status;
}

// Runs fn, turning what it throws into a status and this thread's message.
template <class Fn>
int guarded(Fn fn) {
  try {
    last_error.clear();
    fn();
    return MATTE_OK;
  } catch (const matte::Error& e) {
    return fail(MATTE_ERROR_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(MATTE_ERROR_RUNTIME, "out of memory");
  } catch (const std::exception& e) {
    return fail(MATTE_ERROR_RUNTIME, e.what());
  } catch (...) {
    return fail(MATTE_ERROR_RUNTIME, "unknown error");
  }
}

int null_session() { return fail(MATTE_ERROR_ARGUMENT, "the session is NULL"); }

// Checks one 8-bit RGB image argument; `what` names it in the message.
int check_image(const unsigned char* data, int width, size_t stride, const char* what) {
  if (!data) return fail(MATTE_ERROR_ARGUMENT, std::string(what) + " is NULL");
  const size_t row = static_cast<size_t>(width) * 3;
  if (stride < row)
    return fail(MATTE_ERROR_ARGUMENT, std::string(what) + " stride " + std::to_string(stride) +
                                          " is shorter than a row of " + std::to_string(width) + " RGB pixels (" +
                                          std::to_string(row) + " bytes)");
  return MATTE_OK;
}

}  // namespace

extern "C" {

const char* matte_version(void) { return matte::version(); }

const char* matte_last_error(void) { return last_error.c_str(); }

matte_session* matte_session_open(const char* weight_path, int threads) {
  if (!weight_path) {
    fail(MATTE_ERROR_ARGUMENT, "the weight path is NULL");
    return nullptr;
  }
  if (threads < 0) {
    fail(MATTE_ERROR_ARGUMENT, "threads " + std::to_string(threads) + " is negative (0 = every core)");
    return nullptr;
  }
  matte_session* s = nullptr;
  guarded([&] {
    s = new matte_session{matte::Session(weight_path, {.threads = threads, .results = matte::Result::alpha8}), {}};
  });
  return s;
}

void matte_session_close(matte_session* s) { delete s; }

const char* matte_session_architecture(const matte_session* s) {
  return s ? s->session.capabilities().architecture.c_str() : nullptr;
}

int matte_session_needs_plate(const matte_session* s) {
  return s ? static_cast<int>(s->session.capabilities().takes_plate) : -1;
}

int matte_session_set_downsample_ratio(matte_session* s, float ratio) {
  if (!s) return null_session();
  char text[32] = "auto";
  if (ratio != 0.0f) *std::to_chars(text, text + sizeof text - 1, ratio).ptr = '\0';
  return guarded([&] { s->session.set("downsample-ratio", text); });
}

int matte_session_set(matte_session* s, const char* name, const char* value) {
  if (!s) return null_session();
  if (!name || !value) return fail(MATTE_ERROR_ARGUMENT, "the setting's name or value is NULL");
  return guarded([&] { s->session.set(name, value); });
}

void matte_session_reset(matte_session* s) {
  if (s) s->session.reset();
}

int matte_process_rgb8(matte_session* s, const unsigned char* rgb, int width, int height, size_t stride,
                       const unsigned char* plate_rgb, size_t plate_stride, unsigned char* alpha_out,
                       unsigned char* foreground_out) {
  if (!s) return null_session();
  if (width <= 0 || height <= 0)
    return fail(MATTE_ERROR_ARGUMENT, "frame size " + std::to_string(width) + "x" + std::to_string(height) +
                                          " is not positive");
  if (const int status = check_image(rgb, width, stride, "the frame")) return status;
  if (!alpha_out) return fail(MATTE_ERROR_ARGUMENT, "the alpha output is NULL");
  const matte::Capabilities& caps = s->session.capabilities();
  if (caps.takes_plate && !plate_rgb)
    return fail(MATTE_ERROR_ARGUMENT, caps.title + " needs the clean background plate with every frame");
  if (!caps.takes_plate && plate_rgb) return fail(MATTE_ERROR_ARGUMENT, caps.title + " takes no plate");
  if (plate_rgb)
    if (const int status = check_image(plate_rgb, width, plate_stride, "the plate")) return status;
  return guarded([&] {
    using matte::Result;
    s->session.set_results(foreground_out ? Result::alpha8 | Result::foreground8 : Result::alpha8);
    const matte::Image8 frame{rgb, width, height, stride, matte::PixelFormat::rgb8};
    if (plate_rgb)
      s->session.process(frame, matte::Image8{plate_rgb, width, height, plate_stride, matte::PixelFormat::rgb8}, s->out);
    else
      s->session.process(frame, s->out);
    std::memcpy(alpha_out, s->out.alpha8.data(), s->out.alpha8.size());
    if (foreground_out) std::memcpy(foreground_out, s->out.foreground8.data(), s->out.foreground8.size());
  });
}

}  // extern "C"
