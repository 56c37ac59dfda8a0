#!/usr/bin/env bash
# npm test: every tier, in one run.
#   0. the floors (scripts/layers.ts: no upward import, no circle in src/ or native/)
#   1. the pure C core under AddressSanitizer/UBSan (native/core/test)
#   2. TypeScript unit tests and two-data-plane tests (no root needed)
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

files=(dist/test/unit/*.test.js dist/test/dataplane/*.test.js)
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
echo "== tiers 2 and 3: node --test (${#files[@]} files)" >&2
# One file at a time: namespace tests share 2 CPUs and must not overlap.
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
