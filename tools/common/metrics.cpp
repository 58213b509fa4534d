#include "tools/common/metrics.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "engine/error.h"

namespace matte::cli {

namespace {

void check_sizes(size_t a, size_t b, const char* what) {
  if (a != b) throw Error(std::string(what) + ": sizes differ (" + std::to_string(a) + " vs " + std::to_string(b) + ")");
}

double gaussian(double x, double sigma) {
  return std::exp(-x * x / (2 * sigma * sigma)) / (sigma * std::sqrt(2 * std::numbers::pi));
}

std::vector<double> min_max_normalised(std::span<const float> v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const double range = double(*hi) - double(*lo);
  const double scale = range > 0 ? 1.0 / range : 0.0;
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = (double(v[i]) - *lo) * scale;
  return out;
}

// Correlation with a separable filter (rows × columns), borders replicated.
std::vector<double> correlate(const std::vector<double>& img, int width, int height, const std::vector<double>& col,
                              const std::vector<double>& row) {
  const int half = int(row.size()) / 2;
  std::vector<double> tmp(img.size()), out(img.size());
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double acc = 0;
      for (int j = 0; j < int(row.size()); ++j) acc += row[j] * img[size_t(y) * width + std::clamp(x + j - half, 0, width - 1)];
      tmp[size_t(y) * width + x] = acc;
    }
  }
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double acc = 0;
      for (int i = 0; i < int(col.size()); ++i) acc += col[i] * tmp[size_t(std::clamp(y + i - half, 0, height - 1)) * width + x];
      out[size_t(y) * width + x] = acc;
    }
  }
  return out;
}

std::vector<double> gradient_magnitude(const std::vector<double>& img, int width, int height, const GaussDerivative& f) {
  const auto gx = correlate(img, width, height, f.smooth, f.derivative);
  const auto gy = correlate(img, width, height, f.derivative, f.smooth);
  std::vector<double> out(img.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i]);
  return out;
}

}  // namespace

void DiffStats::add(std::span<const float> a, std::span<const float> b) {
  check_sizes(a.size(), b.size(), "DiffStats");
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - double(b[i]));
    max_abs = std::max(max_abs, d);
    sum_abs += d;
    sum_sq += d * d;
  }
  count += a.size();
}

double mean_abs_diff(std::span<const float> a, std::span<const float> b) {
  DiffStats s;
  s.add(a, b);
  return s.mad();
}

double mean_sq_diff(std::span<const float> a, std::span<const float> b) {
  DiffStats s;
  s.add(a, b);
  return s.mse();
}

GaussDerivative gauss_derivative_filter(double sigma) {
  const int half =
      int(std::ceil(sigma * std::sqrt(-2 * std::log(std::sqrt(2 * std::numbers::pi) * sigma * 1e-2))));
  GaussDerivative f;
  double smooth_sq = 0, deriv_sq = 0;
  for (int k = -half; k <= half; ++k) {
    f.smooth.push_back(gaussian(k, sigma));
    f.derivative.push_back(-k * gaussian(k, sigma) / (sigma * sigma));
    smooth_sq += f.smooth.back() * f.smooth.back();
    deriv_sq += f.derivative.back() * f.derivative.back();
  }
  // The 2-D filter's squared norm is the product of the factors' squared norms.
  for (double& v : f.derivative) v /= std::sqrt(smooth_sq * deriv_sq);
  return f;
}

double gradient_error(std::span<const float> pred, std::span<const float> gt, int width, int height, double sigma) {
  check_sizes(pred.size(), gt.size(), "gradient_error");
  check_sizes(pred.size(), size_t(width) * height, "gradient_error");
  const GaussDerivative f = gauss_derivative_filter(sigma);
  const auto gp = gradient_magnitude(min_max_normalised(pred), width, height, f);
  const auto gt_grad = gradient_magnitude(min_max_normalised(gt), width, height, f);
  double sum = 0;
  for (size_t i = 0; i < gp.size(); ++i) sum += (gp[i] - gt_grad[i]) * (gp[i] - gt_grad[i]);
  return sum / 1000.0;
}

double dtssd(std::span<const float> pred, std::span<const float> pred_prev, std::span<const float> gt,
             std::span<const float> gt_prev) {
  check_sizes(pred.size(), pred_prev.size(), "dtssd");
  check_sizes(pred.size(), gt.size(), "dtssd");
  check_sizes(pred.size(), gt_prev.size(), "dtssd");
  double sum = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    const double d = (double(pred[i]) - pred_prev[i]) - (double(gt[i]) - gt_prev[i]);
    sum += d * d;
  }
  return pred.empty() ? 0.0 : std::sqrt(sum / double(pred.size()));
}

void AlphaScores::add(std::span<const float> pred, std::span<const float> gt) {
  check_sizes(pred.size(), size_t(width_) * height_, "AlphaScores");
  mad_sum_ += mean_abs_diff(pred, gt);
  mse_sum_ += mean_sq_diff(pred, gt);
  grad_sum_ += gradient_error(pred, gt, width_, height_);
  if (frames_ > 0) dtssd_sum_ += cli::dtssd(pred, prev_pred_, gt, prev_gt_);
  prev_pred_.assign(pred.begin(), pred.end());
  prev_gt_.assign(gt.begin(), gt.end());
  ++frames_;
}

double AlphaScores::mad() const { return frames_ ? mad_sum_ / frames_ * 1e3 : 0.0; }
double AlphaScores::mse() const { return frames_ ? mse_sum_ / frames_ * 1e3 : 0.0; }
double AlphaScores::grad() const { return frames_ ? grad_sum_ / frames_ : 0.0; }
double AlphaScores::dtssd() const { return frames_ > 1 ? dtssd_sum_ / (frames_ - 1) * 1e2 : 0.0; }

}  // namespace matte::cli
