#include "models/results.h"

#include <string>

#include "engine/error.h"

namespace matte {

namespace {

template <class T>
void size_or_release(std::vector<T>& v, bool wanted, size_t n) {
  if (wanted) v.resize(n);
  else std::vector<T>().swap(v);
}

}  // namespace

void check_results(Result results) {
  if ((results & Result::all) != results)
    throw Error("results " + std::to_string(unsigned(results)) + " name no known result (bits above Result::all)");
}

void size_results(Matte& m, Result results, int width, int height) {
  m.width = width;
  m.height = height;
  const size_t n = size_t(width) * size_t(height);
  size_or_release(m.alpha, has(results, Result::alpha), n);
  size_or_release(m.foreground, has(results, Result::foreground), 3 * n);
  size_or_release(m.alpha8, has(results, Result::alpha8), n);
  size_or_release(m.foreground8, has(results, Result::foreground8), 3 * n);
  size_or_release(m.error8, has(results, Result::error8), n);
  size_or_release(m.refined8, has(results, Result::refined8), n);
}

}  // namespace matte
