// Threads for FFmpeg's decoder and encoders. Inference takes every core (--threads), so the codecs
// get a small share: more threads there only take time slices from inference.
#pragma once

namespace matte::cli {

int decoder_threads();
int encoder_threads();

}  // namespace matte::cli
