#!/usr/bin/env bash
# stage-opt.sh ROOT: lays a built checkout out as the appliance install under ROOT (/ for this
# machine, or an image's root file system):
#   ROOT/opt/bridgehead/              package.json, lock, README, dist/src, the addon, production
#                                      node_modules (copied from the checkout, then pruned: the
#                                      native ones stay built)
#   ROOT/opt/bridgehead/node/bin/node $NODE_BIN (default: the node in PATH)
#   ROOT/usr/local/bin/bridgehead     appliance/bridgehead-cli.sh
#   ROOT/usr/lib/systemd/system/      bridgehead.service, bridgehead@.service
#   ROOT/usr/lib/sysusers.d, tmpfiles.d, ROOT/etc/sysctl.d/90-bridgehead.conf
# Creates no user and starts nothing (install.sh and the image build do that).
set -euo pipefail
root=${1:?usage: stage-opt.sh ROOT}
src=$(cd "$(dirname "$0")/.." && pwd)
node_bin=${NODE_BIN:-$(readlink -f "$(command -v node)")}
[ -f "$src/build/Release/bridgehead.node" ] && [ -f "$src/dist/src/cli/main.js" ] && [ -d "$src/node_modules" ] ||
  { echo "stage-opt: the checkout is not built; run: bash scripts/setup.sh" >&2; exit 1; }
"$node_bin" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  { echo "stage-opt: $node_bin is not Node.js >= 20" >&2; exit 1; }

opt=$root/opt/bridgehead
stage=$(mktemp -d "${TMPDIR:-/tmp}/bh-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dist" "$stage/build/Release" "$stage/node/bin"
cp -a "$src/package.json" "$src/package-lock.json" "$src/README.md" "$stage/"
cp -a "$src/dist/src" "$stage/dist/"
cp -a "$src/build/Release/bridgehead.node" "$stage/build/Release/"
cp -a "$src/node_modules" "$stage/"
(cd "$stage" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
find "$stage/dist" -name '*.map' -delete
install -m 0755 "$node_bin" "$stage/node/bin/node"
rm -rf "$opt"; mkdir -p "$(dirname "$opt")"
cp -a "$stage" "$opt"; chmod 0755 "$opt"

install -D -m 0755 "$src/appliance/bridgehead-cli.sh" "$root/usr/local/bin/bridgehead"
install -D -m 0644 "$src/appliance/bridgehead.service" "$root/usr/lib/systemd/system/bridgehead.service"
install -D -m 0644 "$src/appliance/bridgehead@.service" "$root/usr/lib/systemd/system/bridgehead@.service"
install -D -m 0644 "$src/appliance/sysusers-bridgehead.conf" "$root/usr/lib/sysusers.d/bridgehead.conf"
install -D -m 0644 "$src/appliance/tmpfiles-bridgehead.conf" "$root/usr/lib/tmpfiles.d/bridgehead.conf"
install -D -m 0644 "$src/appliance/sysctl-bridgehead.conf" "$root/etc/sysctl.d/90-bridgehead.conf"
echo "stage-opt: $(du -sh "$opt" | cut -f1) in $opt (node $("$node_bin" --version))" >&2
