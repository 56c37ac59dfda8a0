#!/usr/bin/env bash
# npm test: every tier, in one run.
#   0. the floors (scripts/layers.ts: no upward import, no circle in src/ or native/)
#   1. the pure C core under AddressSanitizer/UBSan (native/core/test), and a short run of every
#      libFuzzer target over its seeds and regression inputs (native/core/fuzz)
#   2. TypeScript unit tests, JS fuzz properties (test/fuzz, 1000 runs each; long runs:
#      scripts/fuzz.sh) and two-data-plane tests (no root needed)
#   3. packet-level tests in network namespaces (root only; skipped loudly otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build/Release/bridgehead.node ] || [ ! -d node_modules ]; then
  echo "test: the project is not built; run: bash scripts/setup.sh" >&2
  exit 1
fi
echo "== build (TypeScript)" >&2
npx tsc -p tsconfig.json

echo "== floors: imports of src/ and #includes of native/ point down, no circles" >&2
node dist/scripts/layers.js

echo "== tier 1: C core under ASan/UBSan" >&2
make -s -C native/core/test test
echo "== tier 1: the TAP reader (io_uring chain and read() loop) under ASan/UBSan (native/io/test)" >&2
make -s -C native/io/test tapread
echo "== tier 1: libFuzzer targets, short run (native/core/fuzz; long runs: scripts/fuzz.sh)" >&2
if ! command -v clang >/dev/null 2>&1; then
  echo "test: clang is missing (the libFuzzer targets need it); run: bash scripts/setup.sh" >&2
  exit 1
fi
make -s -C native/core/fuzz check

files=(dist/test/unit/*.test.js dist/test/fuzz/*.test.js dist/test/dataplane/*.test.js)
if [ "$(id -u)" = 0 ]; then
  files+=(dist/test/netns/*.test.js)
else
  echo "" >&2
  echo "###########################################################################" >&2
  echo "## SKIPPED (not root): tier 3, the network-namespace tests (test/netns).  ##" >&2
  echo "## Run as root (CI does) to run them.                                   ##" >&2
  echo "###########################################################################" >&2
  echo "" >&2
fi
# The VM appliance boot test does not fit CI's time: building the image takes ~70 s and two TCG
# boots with pairing ~2.5 min on this 2-core machine, longer than all of tier 3's budget allows.
echo "" >&2
echo "###########################################################################" >&2
echo "## NOT RUN HERE: the appliance VM boot test (two QEMU VMs pair from their ##" >&2
echo "## seeds; ~4 min with the image build). Run it as root:                  ##" >&2
echo "##   bash scripts/setup.sh --image && npm run image &&                   ##" >&2
echo "##   flock /tmp/bh-netns.lock npm run test:image                          ##" >&2
echo "###########################################################################" >&2
echo "" >&2
echo "== tiers 2 and 3: node --test (${#files[@]} files)" >&2
# One file at a time: namespace tests share 2 CPUs and must not overlap.
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
