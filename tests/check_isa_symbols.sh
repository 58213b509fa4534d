#!/usr/bin/env bash
# Each per-ISA kernel build must keep its code to itself: the linker keeps one copy of a weak
# ('W', 'V') or unique ('u') symbol that several objects define, whichever it meets first, so an
# inline function or template instance (ours, the standard library's or xsimd's) that an AVX-512
# build and the AVX2 build or plain code both define could run with AVX-512 instructions on a CPU
# without them. Usage: check_isa_symbols.sh NAME=OBJECT_OR_DIR... (a folder: its *.o); fails when
# what an ISA build links defines any visible symbol but its `matte::<family>_table<Arch>`.
set -euo pipefail
status=0
for arg in "$@"; do
  name=${arg%%=*} path=${arg#*=}
  if [[ -d $path ]]; then objects=("$path"/*.o); else objects=("$path"); fi
  # The personality routine's pointer is the same data in every C++ object with exceptions.
  leaked=$(nm -C -g --defined-only "${objects[@]}" | grep -v -e '^$' -e ':$' | cut -c18- | sort -u |
           grep -v -E '^[A-Za-z] (matte::[A-Za-z]+Kernels matte::[a-z_]+_table<.*>\(\)$|DW\.ref\.__gxx_personality_v0$)' || true)
  if [[ -n $leaked ]]; then
    echo "the $name kernels define symbols other objects may share (kind, name):"
    echo "$leaked"
    status=1
  fi
done
((status == 0)) && echo "every ISA build defines nothing visible but its tables"
exit $status
