/* The library's C API (C99): a matting session over a converted weight file, 8-bit RGB in, 8-bit
   alpha and foreground out. No exception crosses it: every function that can fail returns a status
   or NULL, and matte_last_error() says why.

     matte_session *s = matte_session_open("rvm.safetensors", 0);
     if (!s) { fprintf(stderr, "%s\n", matte_last_error()); return 1; }
     for (each frame)
       if (matte_process_rgb8(s, rgb, w, h, w * 3, NULL, 0, alpha, NULL) != MATTE_OK) ...
     matte_session_close(s);

   Frames of one session go through in order (RVM carries its recurrent state from frame to frame);
   sessions are independent, so different threads may drive different sessions at once. One session
   must not be used by two threads at the same time. */
#ifndef MATTE_C_H
#define MATTE_C_H

#include <stddef.h>

#include "matte_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct matte_session matte_session;

enum matte_status {
  MATTE_OK = 0,
  MATTE_ERROR_ARGUMENT = 1, /* a NULL pointer, a size, a stride, a plate or a setting the call cannot take */
  MATTE_ERROR_RUNTIME = 2   /* the engine failed (e.g. out of memory) */
};

/* "MAJOR.MINOR.PATCH" of the library loaded at run time (MATTE_VERSION_STRING is the header's). */
MATTE_API const char *matte_version(void);

/* This thread's last error message, "" if none. Valid until this thread's next call into the library. */
MATTE_API const char *matte_last_error(void);

/* Opens a weight file converted by onnx2flat. threads: 0 = every core. NULL on error. */
MATTE_API matte_session *matte_session_open(const char *weight_path, int threads);
/* Frees the session; NULL is ignored. */
MATTE_API void matte_session_close(matte_session *s);

/* The weight file's network: "rvm_mobilenetv3", "rvm_resnet50", "bgm_mobilenetv2"; NULL if s is NULL. */
MATTE_API const char *matte_session_architecture(const matte_session *s);
/* 1 if every frame needs its clean background plate (BGMv2), 0 if not, -1 if s is NULL. */
MATTE_API int matte_session_needs_plate(const matte_session *s);

/* RVM: the backbone's input scale in (0, 1]; 0 = auto (min(1, 512 / longer side), per frame size).
   An error for networks without one. Takes effect from the next frame. */
MATTE_API int matte_session_set_downsample_ratio(matte_session *s, float ratio);
/* Any setting the network lists by name, as the command line writes it, e.g. ("downsample-ratio",
   "0.25") or ("refine-mode", "full"); settings fixed at opening are refused. */
MATTE_API int matte_session_set(matte_session *s, const char *name, const char *value);

/* Zero recurrent state, as at the start of a clip (a scene cut). */
MATTE_API void matte_session_reset(matte_session *s);

/* One frame: 8-bit interleaved RGB, rows `stride` bytes apart. Writes alpha (width·height bytes)
   and, if foreground_out is not NULL, the foreground (width·height·3 bytes, RGB) into the caller's
   buffers, rows packed. plate_rgb: the clean background plate of the same size for networks that
   need one (matte_session_needs_plate), NULL otherwise. A frame of another size than the previous
   one needs matte_session_reset first (RVM). Returns MATTE_OK, or an error with matte_last_error set. */
MATTE_API int matte_process_rgb8(matte_session *s, const unsigned char *rgb, int width, int height, size_t stride,
                                 const unsigned char *plate_rgb, size_t plate_stride, unsigned char *alpha_out,
                                 unsigned char *foreground_out);

#ifdef __cplusplus
}
#endif

#endif
