// The buffers of a Matte for the results a Session was asked for (SessionOptions::results).
#pragma once

#include "engine/matte.h"

namespace matte {

// Throws Error for bits outside Result::all.
void check_results(Result results);

// Sets m's size and sizes the vectors of `results` for a width×height frame, keeping their memory;
// the others are emptied and their memory released.
void size_results(Matte& m, Result results, int width, int height);

// v's data, or null when v is empty (a result not asked for).
template <class T>
T* data_or_null(std::vector<T>& v) {
  return v.empty() ? nullptr : v.data();
}

}  // namespace matte
