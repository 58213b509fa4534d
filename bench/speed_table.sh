#!/usr/bin/env bash
# The speed table of bench/README.md in one run: our engine and ONNX Runtime (onnxruntime-node) on
# the same frames and threads, the ratio against each target, peak memory, the pointwise GEMM's
# share of the FMA peak, `matte` end to end against inference alone, and the luma PSNR of the default
# H.264 composition against a lossless one.
# Usage: bench/speed_table.sh [frames per row, default 10]   (after scripts/setup.sh && scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-10}
bin=build/bin
shared=../shared
models=out/bench-models
video=$shared/media/video/studio_1920x1080.mp4
src=$shared/media/plates/parking_src_1920x1080.jpg
plate=$shared/media/plates/parking_bgr_1920x1080.jpg
for f in "$video" "$src" "$plate" "$shared/models/rvm_mobilenetv3_fp32.onnx" "$shared/models/rvm_resnet50_fp32.onnx" \
         "$shared/models/bgm_mobilenetv2_fp32.onnx" "$shared/models/bgm_mobilenetv2_4k_fp32.onnx"; do
  [[ -f $f ]] || { echo "speed_table: $f is missing" >&2; exit 1; }
done
mkdir -p "$models"
for m in rvm_mobilenetv3 rvm_resnet50 bgm_mobilenetv2 bgm_mobilenetv2_4k; do
  [[ -f $models/$m.safetensors ]] || "$bin/onnx2flat" "$shared/models/${m}_fp32.onnx" "$models/$m.safetensors" >/dev/null
done

value() { awk -v k="$1" '$1 == k { print $2 }'; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; onnxruntime-node $(node -p "require('./tools/reference/node_modules/onnxruntime-node/package.json').version")"
echo
echo "| network | input | setting | threads | ours fps | ORT fps | ours ÷ ORT | target | met |"
echo "|---|---|---|---|---|---|---|---|---|"
row() {  # network size setting threads target matte-bench-args...
  local net=$1 size=$2 setting=$3 threads=$4 target=$5
  shift 5
  local out ours ort ratio met
  out=$("$bin/matte-bench" --width "${size%x*}" --height "${size#*x}" --threads "$threads" --frames "$frames" "$@")
  ours=$(value fps <<<"$out")
  ort=$(value fps-onnxruntime <<<"$out")
  ratio=$(awk -v a="$ours" -v b="$ort" 'BEGIN { printf "%.2f", a / b }')
  met=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "yes" : "no") }')
  echo "| $net | $size | $setting | $threads | $ours | $ort | ${ratio}× | ≥ ${target}× | $met |"
}
rvm=(--model "$models/rvm_mobilenetv3.safetensors" --onnx "$shared/models/rvm_mobilenetv3_fp32.onnx" --input "$video")
resnet=(--model "$models/rvm_resnet50.safetensors" --onnx "$shared/models/rvm_resnet50_fp32.onnx" --input "$video")
bgm=(--input "$src" --background-plate "$plate")
row RVM 512x288 "ratio 1.0" 2 1.5 "${rvm[@]}" --downsample-ratio 1.0
row RVM 1280x720 "ratio 0.4" 2 2.0 "${rvm[@]}" --downsample-ratio 0.4
row RVM 1920x1080 "ratio 0.25" 2 3.0 "${rvm[@]}" --downsample-ratio 0.25
row RVM 3840x2160 "ratio 0.125" 2 3.0 "${rvm[@]}" --downsample-ratio 0.125
row RVM 1920x1080 "ratio 0.25" 1 2.0 "${rvm[@]}" --downsample-ratio 0.25
row "RVM ResNet50" 1920x1080 "ratio 0.25" 2 2.5 "${resnet[@]}" --downsample-ratio 0.25
row "RVM ResNet50" 1280x720 "ratio 0.4" 2 2.5 "${resnet[@]}" --downsample-ratio 0.4
row BGMv2 1920x1080 "scale 0.25, 80 000 px" 2 3.0 --model "$models/bgm_mobilenetv2.safetensors" \
  --onnx "$shared/models/bgm_mobilenetv2_fp32.onnx" "${bgm[@]}"
row BGMv2 3840x2160 "scale 0.125, 320 000 px" 2 3.0 --model "$models/bgm_mobilenetv2_4k.safetensors" \
  --onnx "$shared/models/bgm_mobilenetv2_4k_fp32.onnx" "${bgm[@]}"
# Without --onnx: ONNX Runtime's float copy of the frame is then not kept.
rss_1080=$("$bin/matte-bench" --model "$models/rvm_mobilenetv3.safetensors" --input "$video" --width 1920 --height 1080 \
  --downsample-ratio 0.25 --threads 2 --frames 5 | value peak-rss-mb)
echo
echo "peak resident memory of matte-bench, RVM 1920x1080 ratio 0.25: ${rss_1080} MB (target ≤ 200 MB)"

# Pointwise GEMM at the backbone's shapes (P = pixels) against the measured FMA peak, one core.
gemm=$("$bin/bench_kernels" --benchmark_filter='f32_gemm/avx512/P(32400|8160|2040|510)/|f32_fma_peak/avx512' \
  --benchmark_min_time=0.2 2>/dev/null)
echo
echo "$gemm" | awk '
  { for (i = 1; i <= NF; ++i) if ($i ~ /^FLOPS=/) { v = substr($i, 7); sub(/G\/s/, "", v); flops[$1] = v } }
  END {
    peak = flops["f32_fma_peak/avx512"]; min = 1e9
    for (k in flops) if (k != "f32_fma_peak/avx512") { p = flops[k] / peak; if (p < min) { min = p; at = k } }
    printf "pointwise GEMM, backbone shapes, one core: lowest %.0f%% of the %.1f GFLOP/s FMA peak (%s; target ≥ 60%%)\n", 100 * min, peak, at
  }'

# `matte` end to end on the shared 1080p video against matte-bench inference alone on its first
# frame, auto ratio, 2 threads, 100 frames each: the targets' reference is matte-bench as the
# speed rows above run it (every result, float planes included); the same ratio against an
# inference that computes only the 8-bit results the outputs need is given beside it. The runs
# take turns, E2E_REPS times per row (default 3), and the row gives the medians: on a machine
# shared with other jobs single runs swing by ±10 %. CPU time (user + system) moves less.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
reps=${E2E_REPS:-3}
cpu() {  # command...: its CPU seconds; its stdout goes to $tmp/stdout
  local TIMEFORMAT='%U %S'
  { time "$@" >"$tmp/stdout"; } 2>&1 | awk 'END { print $1 + $2 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
column() { awk "{ print $1 }" "$tmp/rows" | median; }
infer() {  # results: matte-bench's frames/s
  cpu "$bin/matte-bench" --model "$models/rvm_mobilenetv3.safetensors" --width 1920 --height 1080 --threads 2 \
    --frames 100 --input "$video" --results "$1" >/dev/null
  value fps <"$tmp/stdout"
}
echo
echo "matte end to end on $(basename "$video") (100 frames, auto ratio, 2 threads) vs matte-bench inference alone,"
echo "taking turns, median of $reps runs each:"
echo
echo "| outputs | matte fps | inference fps | ÷ inference fps | target | met | inference fps, 8-bit results only | ÷ that |"
echo "|---|---|---|---|---|---|---|---|"
e2e() {  # label, target %, 8-bit results, outputs...
  local label=$1 target=$2 results=$3 i all lean fps
  shift 3
  : >"$tmp/rows"
  for ((i = 0; i < reps; ++i)); do
    all=$(infer all)
    lean=$(infer "$results")
    mkdir -p "$tmp/work"
    cpu "$bin/matte" --model "$models/rvm_mobilenetv3.safetensors" --input "$video" --threads 2 "$@" --overwrite >/dev/null
    fps=$(sed -n 's/.*, \([0-9.]*\) fps.*/\1/p' "$tmp/stdout")
    rm -rf "$tmp/work"
    echo "$fps $all $lean" >>"$tmp/rows"
  done
  awk -v l="$label" -v t="$target" -v a="$(column '$1')" -v b="$(column '$2')" -v r="$(column '100 * $1 / $2')" \
    -v c="$(column '$3')" -v rl="$(column '100 * $1 / $3')" \
    'BEGIN { printf "| %s | %.2f | %.2f | %.0f %% | ≥ %d %% | %s | %.2f | %.0f %% |\n", l, a, b, r, t, (r >= t ? "yes" : "no"), c, rl }'
}
e2e "\`--output-alpha a.mp4\` (H.264 defaults)" 90 alpha8 --output-alpha "$tmp/work/a.mp4"
e2e "\`--output-composition c.mp4\` (H.264 defaults)" 85 alpha8,foreground8 --output-composition "$tmp/work/c.mp4"
e2e "README command 1 (H.264 composition + alpha PNG sequence)" 75 alpha8,foreground8 \
  --output-composition "$tmp/work/c.mp4" --output-alpha "$tmp/work/alpha"
e2e "\`--output-alpha DIR\` (PNG sequence alone)" 85 alpha8 --output-alpha "$tmp/work/alpha"

# Quality floor of the defaults: the H.264 composition against a lossless (FFV1) one of the same
# frames (the default background given explicitly, which keeps FFV1's composition opaque).
common=(--model "$models/rvm_mobilenetv3.safetensors" --input "$video" --threads 2 --frames 30 --quiet)
"$bin/matte" "${common[@]}" --output-composition "$tmp/c.mp4"
"$bin/matte" "${common[@]}" --video-codec ffv1 --background 120,255,155 --output-composition "$tmp/lossless.mkv"
psnr=$("$bin/video_psnr" "$tmp/lossless.mkv" "$tmp/c.mp4")
size=$(stat -c %s "$tmp/c.mp4")  # 30 frames of a 24 fps clip: 1.25 s
echo
awk -v p="$(value psnr-y <<<"$psnr")" -v w="$(value worst-frame <<<"$psnr")" -v s="$size" \
  'BEGIN { printf "default H.264 composition (CRF 18, ultrafast), 30 frames: luma PSNR %.2f dB (worst frame %.2f dB; target ≥ 40 dB), %.1f Mbit/s\n", p, w, s * 8 / 1e6 / (30 / 24) }'
