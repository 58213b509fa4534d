// Error measures for the tools: engine-vs-reference differences and the RVM paper's matting scores.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace matte::cli {

// Running max |a−b|, mean |a−b| and mean (a−b)² over every value added.
struct DiffStats {
  double max_abs = 0, sum_abs = 0, sum_sq = 0;
  size_t count = 0;

  void add(std::span<const float> a, std::span<const float> b);  // throws Error on a size mismatch
  double mad() const { return count ? sum_abs / double(count) : 0.0; }
  double mse() const { return count ? sum_sq / double(count) : 0.0; }
};

double mean_abs_diff(std::span<const float> a, std::span<const float> b);
double mean_sq_diff(std::span<const float> a, std::span<const float> b);

// The x-derivative-of-Gaussian filter of the RVM/DIM evaluation code, kept in its separable form:
// tap[y][x] = smooth[y]·derivative[x] over offsets −h..h from the centre, with smooth = G (normal
// density of std σ), derivative = G'(x) = −x·G(x)/σ² scaled so the 2-D filter has unit L2 norm, and
// h = ceil(σ·sqrt(−2·ln(sqrt(2π)·σ·0.01))) (9 taps at σ = 1.4). The y filter is its transpose.
struct GaussDerivative {
  std::vector<double> smooth, derivative;
};
GaussDerivative gauss_derivative_filter(double sigma);

// Gradient error of one frame: each map is min–max normalised to [0, 1] (a constant map becomes 0),
// correlated with the x and y filters above (borders replicated), the gradient magnitude
// sqrt(gx² + gy²) taken per pixel; result = Σ (|∇pred| − |∇gt|)² / 1000.
double gradient_error(std::span<const float> pred, std::span<const float> gt, int width, int height,
                      double sigma = 1.4);

// Temporal coherence of one frame against the previous one:
// sqrt(mean over pixels of ((pred_t − pred_{t−1}) − (gt_t − gt_{t−1}))²)  (unscaled).
double dtssd(std::span<const float> pred, std::span<const float> pred_prev, std::span<const float> gt,
             std::span<const float> gt_prev);

// The paper's four alpha scores over a sequence, fed frame by frame in order: MAD·1e3, MSE·1e3 and
// gradient error averaged over all frames; dtSSD·1e2 averaged over frames 1..T−1 (those with a
// predecessor).
class AlphaScores {
 public:
  AlphaScores(int width, int height) : width_(width), height_(height) {}
  void add(std::span<const float> pred, std::span<const float> gt);

  int frames() const { return frames_; }
  double mad() const;
  double mse() const;
  double grad() const;
  double dtssd() const;

 private:
  int width_, height_;
  int frames_ = 0;
  double mad_sum_ = 0, mse_sum_ = 0, grad_sum_ = 0, dtssd_sum_ = 0;
  std::vector<float> prev_pred_, prev_gt_;
};

}  // namespace matte::cli
