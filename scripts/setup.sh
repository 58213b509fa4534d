#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libxsimd-dev libtbb-dev libopencv-dev nlohmann-json3-dev
          doctest-dev libbenchmark-dev libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
          libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
          python3 python3-numpy file  # the Python module and its test; file: cpack -G DEB
          clang-16 libclang-rt-16-dev)  # clang: the sanitizer and libFuzzer builds
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (it does on the reference machine): check the commands.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The ONNX Runtime reference (tools/reference): onnxruntime-node from the lock file. Its install script
# would download other builds; the CPU library ships in the package, so scripts are skipped.
ref=tools/reference
if [[ ! -f $ref/node_modules/.package-lock.json || $ref/package-lock.json -nt $ref/node_modules/.package-lock.json ]]; then
  (cd "$ref" && npm ci --ignore-scripts --no-audit --no-fund)
fi
node "$ref/run_onnx.js" --check
