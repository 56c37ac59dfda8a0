#!/usr/bin/env bash
# Installs bridgehead on a Debian 12 appliance VM as root: dependencies and build (scripts/setup.sh),
# a copy under /opt/bridgehead, the systemd unit, sysctl settings and a `bridgehead` command.
# Afterwards: bridgehead init --name SITE --listen IP:51820 [--endpoint PUBLIC:51820] --bridge br0
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "install: run as root" >&2; exit 1; }
bash "$src/scripts/setup.sh"
mkdir -p /opt/bridgehead
cp -a "$src/package.json" "$src/dist" "$src/build" "$src/node_modules" "$src/README.md" /opt/bridgehead/
install -m 0644 "$src/appliance/bridgehead.service" /etc/systemd/system/bridgehead.service
install -m 0644 "$src/appliance/sysctl-bridgehead.conf" /etc/sysctl.d/90-bridgehead.conf
sysctl -q --system || true
cat > /usr/local/bin/bridgehead <<'SH'
#!/bin/sh
exec /usr/bin/node /opt/bridgehead/dist/src/cli/main.js "$@"
SH
chmod 0755 /usr/local/bin/bridgehead
install -d -m 0700 /etc/bridgehead
systemctl daemon-reload 2>/dev/null || true
echo "installed; next: bridgehead init ... && systemctl enable --now bridgehead" >&2
