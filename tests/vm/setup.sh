#!/bin/bash
# tests/vm/setup.sh -- prepare everything tests/vm/vm-run.sh needs.
#
#   1. installs the host packages when missing (apt-get update first):
#        qemu-system-x86   the emulator
#        linux-image-amd64 Debian's kernel (the guest kernel and its modules)
#        busybox-static    the initramfs userland (must be static: the
#                          initramfs has no libc)
#   2. picks the guest kernel version: the newest /lib/modules/KVER that has a
#      matching /boot/vmlinuz-KVER (the host's own running kernel is irrelevant;
#      it may be a custom build without /lib/modules).
#   3. extracts the uncompressed ELF vmlinux from the bzImage: QEMU then boots it
#      through the PVH entry point, which skips SeaBIOS + the in-guest xz
#      decompression (~3 s faster under TCG).
#   4. builds the initramfs: tests/vm/initramfs/{init,stage2} + static busybox +
#      the virtio/9p/overlay modules with their dependencies in load order.
#
# Idempotent: every generated file lives in tests/vm/work/ (git-ignored) and a
# stamp over all inputs makes a re-run a no-op (~0.1 s) when nothing changed.
# Safe to run concurrently (flock). vm-run.sh calls it before every boot.
#
# Usage: setup.sh [-q] [-f]      -q quiet when up to date, -f force rebuild
# Writes tests/vm/work/kernel.env with VM_KVER, VM_KERNEL_IMAGE, VM_INITRD.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
WORK=${VM_WORKDIR:-$HERE/work}
QUIET=0 FORCE=0
while getopts qf opt; do
  case "$opt" in
    q) QUIET=1 ;;
    f) FORCE=1 ;;
    *) sed -n '2,24p' "$0" >&2; exit 2 ;;
  esac
done

# Modules the initramfs needs; their dependencies are added by modprobe.
# virtio_pci: the PCI transport of all virtio devices; 9pnet_virtio + 9p: the
# host root and the shared run dir; overlay: the writable tmpfs layer over the
# read-only host root; virtio_rng: entropy, so getrandom() never blocks.
MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_rng"

log() { echo "vm-setup: $*" >&2; }
die() { echo "vm-setup: error: $*" >&2; exit 1; }

# ---- 1. host packages ------------------------------------------------------
pkg_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

install_packages() {
  local missing=() p
  for p in qemu-system-x86 linux-image-amd64 busybox-static; do
    pkg_installed "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    sudo=(sudo)
  fi
  log "installing ${missing[*]} (apt-get)"
  "${sudo[@]}" apt-get update -q >&2
  # --no-install-recommends: qemu recommends a GUI stack we do not need
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# ---- 2. guest kernel version -------------------------------------------------
pick_kver() {
  local k best=""
  [ -d /lib/modules ] || die "no /lib/modules (is linux-image-amd64 installed?)"
  # sort -V so that 6.1.0-10 sorts after 6.1.0-9
  for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V); do
    [ -e "/boot/vmlinuz-$k" ] && [ -e "/lib/modules/$k/modules.dep" ] && best=$k
  done
  [ -n "$best" ] || die "no /lib/modules/KVER with a matching /boot/vmlinuz-KVER"
  echo "$best"
}

# ---- 3. vmlinux extraction -------------------------------------------------
# Find the first compressed payload in the bzImage and decompress it (the idea
# of the kernel's scripts/extract-vmlinux). Decompressors stop at the end of
# their stream; the trailing bytes make them complain, so success is judged by
# the result being an ELF file, not by the exit status.
extract_vmlinux() {
  local img=$1 out=$2 magic tool off
  for pair in 'fd377a585a00:xz -dc --single-stream' '28b52ffd:zstd -dcq' \
              '1f8b0800:gzip -dc'; do
    magic=${pair%%:*} tool=${pair#*:}
    command -v "${tool%% *}" >/dev/null || continue
    # byte offset of the magic: grep -obUaP on the hex-escaped pattern
    off=$(LC_ALL=C grep -obUaP "$(echo "$magic" | sed 's/../\\x&/g')" "$img" \
          2>/dev/null | head -n1 | cut -d: -f1) || true
    [ -n "$off" ] || continue
    tail -c +"$((off + 1))" "$img" | $tool > "$out.tmp" 2>/dev/null || true
    if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
      mv -f "$out.tmp" "$out"
      return 0
    fi
  done
  rm -f "$out.tmp"
  return 1
}

# ---- 4. initramfs ----------------------------------------------------------
# Copy MODULES and their dependencies, decompressed (busybox insmod cannot be
# relied on to read .ko.xz/.ko.zst), and record the load order in
# lib/modules/load.order. modprobe --show-depends lists dependencies before
# dependants (e.g. virtio_ring before virtio: loading virtio first fails with
# unknown symbols), so the order is right by construction.
copy_modules() {
  local kver=$1 dst=$2 m line path name
  mkdir -p "$dst"
  : > "$dst/load.order"
  for m in $MODULES; do
    modprobe -S "$kver" --show-depends "$m" > "$WORK/deps.tmp" \
      || die "modprobe cannot resolve module $m for $kver"
    while read -r line; do
      case "$line" in
        builtin\ *) continue ;;            # built into the kernel: nothing to load
        insmod\ *) path=${line#insmod }; path=${path%% *} ;;
        *) die "unexpected modprobe output: $line" ;;
      esac
      name=$(basename "$path"); name=${name%%.ko*}
      grep -qx "$name" "$dst/load.order" && continue
      case "$path" in
        *.ko)    cp "$path" "$dst/$name.ko" ;;
        *.ko.xz) xz -dc "$path" > "$dst/$name.ko" ;;
        *.ko.zst) zstd -dcq "$path" > "$dst/$name.ko" ;;
        *.ko.gz) gzip -dc "$path" > "$dst/$name.ko" ;;
        *) die "unknown module format: $path" ;;
      esac
      echo "$name" >> "$dst/load.order"
    done < "$WORK/deps.tmp"
  done
  rm -f "$WORK/deps.tmp"
}

build_initramfs() {
  local kver=$1 out=$2 root=$WORK/initramfs-root
  rm -rf "$root"
  mkdir -p "$root"/{bin,dev,proc,sys,newroot,mnt,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  install -m 0755 "$HERE/initramfs/init" "$root/init"
  install -m 0644 "$HERE/initramfs/stage2" "$root/stage2"
  copy_modules "$kver" "$root/lib/modules"
  # sorted + gzip -1: reproducible enough, and fast to decompress under TCG
  (cd "$root" && find . -print0 | LC_ALL=C sort -z \
     | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
  mv -f "$out.tmp" "$out"
  rm -rf "$root"
}

# ---- main ------------------------------------------------------------------
main() {
  install_packages
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
  file_is_static /bin/busybox || die "/bin/busybox is not static (install busybox-static)"
  mkdir -p "$WORK"
  exec 9> "$WORK/.setup.lock"
  flock 9

  local kver stamp_now vmlinux initrd
  kver=$(pick_kver)
  [ -r "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver not readable (Debian makes it 0600: run as root)"
  vmlinux=$WORK/vmlinux-$kver
  initrd=$WORK/initramfs-$kver.cpio.gz
  stamp_now=$( { echo "$kver $MODULES"
                 # content only (cut): the path used to call us must not matter
                 sha256sum "$HERE/setup.sh" "$HERE/initramfs/init" "$HERE/initramfs/stage2" \
                   /bin/busybox "/boot/vmlinuz-$kver" "/lib/modules/$kver/modules.dep" \
                   | cut -d' ' -f1
               } | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" = 0 ] && [ -f "$WORK/kernel.env" ] && [ -s "$initrd" ] \
     && [ "$(cat "$WORK/stamp" 2>/dev/null)" = "$stamp_now" ]; then
    [ "$QUIET" = 1 ] || log "up to date (kernel $kver)"
    return 0
  fi

  log "building guest artefacts for kernel $kver in $WORK"
  rm -f "$WORK"/vmlinux-* "$WORK"/initramfs-*.cpio.gz "$WORK/stamp"
  local image=$vmlinux
  if ! extract_vmlinux "/boot/vmlinuz-$kver" "$vmlinux"; then
    log "warning: cannot extract vmlinux; booting the bzImage (slower)"
    image=/boot/vmlinuz-$kver
  fi
  build_initramfs "$kver" "$initrd"
  printf 'VM_KVER=%q\nVM_KERNEL_IMAGE=%q\nVM_INITRD=%q\n' "$kver" "$image" "$initrd" \
    > "$WORK/kernel.env"
  echo "$stamp_now" > "$WORK/stamp"
  log "ready: $image + $initrd"
}

file_is_static() {
  # A static binary has no PT_INTERP; readelf may be absent, so ask the dynamic
  # loader instead (ldd prints "not a dynamic executable" and fails).
  ! ldd "$1" >/dev/null 2>&1
}

main
