#!/usr/bin/env bash
# Fails when an AVX-512 kernel object shares a weak (inline/template) symbol with the AVX2 or
# plain objects: the linker keeps one copy, and an AVX-512 one would crash on AVX2-only CPUs.
set -euo pipefail
avx512_dir=$1; shift
weak() { for o in "$@"; do nm -C "$o" | awk '$2 == "W" { $1 = ""; $2 = ""; print }'; done | sort -u; }
shared=$(comm -12 <(weak "$avx512_dir"/*.o) <(for d in "$@"; do weak "$d"/*.o; done | sort -u))
if [[ -n "$shared" ]]; then
  echo "weak symbols built with AVX-512 flags and also used elsewhere:"
  echo "$shared"
  exit 1
fi
echo "no AVX-512 weak symbol is shared with other objects"
