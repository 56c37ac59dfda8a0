#!/usr/bin/env bash
# Installs bridgehead on a Debian 12 machine as root, from a checkout: dependencies and build
# (scripts/setup.sh), then the appliance layout (scripts/stage-opt.sh):
#   /opt/bridgehead/                 package.json, dist/, build/Release, production node_modules
#   /opt/bridgehead/node/bin/node    the Node.js binary the build used
#   /usr/local/bin/bridgehead        the CLI (appliance/bridgehead-cli.sh)
#   /etc/systemd/system/bridgehead.service, bridgehead@.service, sysusers/tmpfiles, sysctl
# Afterwards: bridgehead init --name SITE --listen IP:51820 [--endpoint PUBLIC:51820] --bridge br0
#             systemctl enable --now bridgehead
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "install: run as root" >&2; exit 1; }
bash "$src/scripts/setup.sh"
bash "$src/scripts/stage-opt.sh" /
# The earlier installer put a root-run unit into /etc/systemd/system, which would shadow the new one.
old=/etc/systemd/system/bridgehead.service
if [ -f "$old" ] && grep -q '^ExecStart=/usr/bin/node /opt/bridgehead/' "$old"; then
  echo "install: removing the earlier root-run $old" >&2; rm -f "$old"
fi
systemd-sysusers /usr/lib/sysusers.d/bridgehead.conf
systemd-tmpfiles --create /usr/lib/tmpfiles.d/bridgehead.conf
sysctl -q --system || true
systemctl daemon-reload 2>/dev/null || true
echo "installed; next: bridgehead init ... && systemctl enable --now bridgehead" >&2
