#!/bin/bash
# mkrootfs.sh DIR: a minimal rootfs from the host's busybox-static
# (Debian package busybox-static), with /etc/passwd and /etc/group for the
# test users. No image registry needed.
set -eu
DIR=${1:?usage: mkrootfs.sh DIR}
BB=/bin/busybox
if ! "$BB" --list 2>/dev/null | grep -qx sh || ! file -L "$BB" 2>/dev/null | grep -q static; then
	[ -x /usr/bin/busybox ] && BB=/usr/bin/busybox
fi
if ! ldd "$BB" 2>&1 | grep -q "not a dynamic"; then
	echo "mkrootfs: $BB is not static: apt-get install busybox-static" >&2
	exit 1
fi
TMP=$DIR.tmp.$$
rm -rf "$TMP"
mkdir -p "$TMP"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,home/user,usr/bin,usr/sbin,var}
cp "$BB" "$TMP/bin/busybox"
for app in $("$BB" --list); do
	[ "$app" = busybox ] && continue
	ln -sf busybox "$TMP/bin/$app"
done
cat > "$TMP/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
P
cat > "$TMP/etc/group" <<'G'
root:x:0:
user:x:1000:
extra:x:2000:
nogroup:x:65534:
G
echo "hrun-test" > "$TMP/etc/hostname"
chmod 1777 "$TMP/tmp"
rm -rf "$DIR"
mv "$TMP" "$DIR"
echo "$DIR"
