#!/usr/bin/env bash
# Installs everything bridgehead needs on a fresh Debian 12 machine (run as root), then builds it:
# Debian packages (compiler, libpcap/libssl headers, network tools used by the demo and the
# tests), the npm packages (npm ci, which also builds the native addon) and the TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(build-essential python3 pkg-config libpcap-dev libssl-dev
      iproute2 iputils-ping iperf3 tcpdump nftables arping ndisc6 jq procps kmod)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# promtool (validates the /metrics exposition and appliance/prometheus-alerts.yml in the tests).
# Debian ships it only inside the `prometheus` package (19 MB download, 96 MB installed, and its
# postinst enables a Prometheus server on :9090), so take just the promtool binary (48 MB, needs
# only libc) out of that package with apt's own client instead of installing the server.
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: promtool is missing; run this script as root" >&2
    exit 1
  fi
  echo "setup: installing promtool (from Debian's prometheus package) into /usr/local/bin" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root prometheus && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool)
  install -m 0755 "$tmp/usr/bin/promtool" /usr/local/bin/promtool
  rm -rf "$tmp"
fi

echo "setup: installing npm packages" >&2
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
echo "setup: building (native addon + TypeScript)" >&2
npm run build
echo "setup: done" >&2
