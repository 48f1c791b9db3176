#!/bin/sh
# Builds the child-setup C code of subprocess4j; run by the Maven build (exec-maven-plugin, phase
# generate-resources). Usage: build.sh OUTPUT_DIR [CROSS_COMPILER]
#   OUTPUT_DIR/libsubprocess4j.so     the in-process library (loaded through java.lang.foreign)
#   OUTPUT_DIR/subprocess4j-helper    the exec'd helper for user/group changes
#   OUTPUT_DIR/index                  "name size crc32" of each, read by ChildSetupFiles
# Without CROSS_COMPILER: for the machine's own platform with $CC, else cc. With it (e.g.
# aarch64-linux-gnu-gcc): for that platform when that compiler is installed, else nothing (the
# jar then lacks that platform, whose options needing this code are refused at run time).
# The helper is linked statically when the C library allows it (a static program starts faster:
# it is executed once more per spawn that changes credentials).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$1
cc=${CC:-cc}
if [ $# -ge 2 ]; then
  if ! command -v "$2" >/dev/null 2>&1; then
    echo "build.sh: no $2, so no child-setup code for $(basename "$out")"
    exit 0
  fi
  cc=$2
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "build.sh: no C compiler ($cc) to build subprocess4j's child-setup code: install one (Debian: apt-get install gcc), or set CC" >&2
  exit 1
fi
mkdir -p "$out"
# No build paths in the output (reproducible builds); no debug info; symbols stripped.
flags="-std=gnu11 -O2 -Wall -Wextra -Werror -fno-strict-aliasing -ffile-prefix-map=$src=. -s"

$cc $flags -fPIC -shared -fvisibility=hidden -o "$out/libsubprocess4j.so.tmp" "$src/spawn.c"
mv "$out/libsubprocess4j.so.tmp" "$out/libsubprocess4j.so"

if ! $cc $flags -static -o "$out/subprocess4j-helper.tmp" "$src/helper.c" 2>/dev/null; then
  echo "build.sh: no static C library; linking subprocess4j-helper dynamically" >&2
  $cc $flags -o "$out/subprocess4j-helper.tmp" "$src/helper.c"
fi
mv "$out/subprocess4j-helper.tmp" "$out/subprocess4j-helper"

# The index: each file's size and CRC-32 (zip's, from gzip's trailer), so that the library names its
# extraction directory and checks the helper without reading the helper out of the jar at start-up.
index() { # name -> "name size crc32"
  # shellcheck disable=SC2046
  set -- "$1" $(gzip -c "$out/$1" | tail -c 8 | od -An -tu1)
  echo "$1 $(( $6 | ($7 << 8) | ($8 << 16) | ($9 << 24) )) $(( $2 | ($3 << 8) | ($4 << 16) | ($5 << 24) ))"
}
{ index libsubprocess4j.so; index subprocess4j-helper; } > "$out/index.tmp"
mv "$out/index.tmp" "$out/index"
