#!/bin/bash
# setup.sh: everything the engine tests need, idempotent.
#  1. apt-get install podman, containerd (ctr), jq, busybox-static, the
#     python3 gRPC packages and CNI plugins (cri.sh) when a
#     tool is missing ('apt-get update' only then);
#  2. a busybox rootfs (tests/mkrootfs.sh) imported into the test's private
#     Podman storage as localhost/hrun-busybox:latest;
#  3. the same image saved as an OCI archive for containerd
#     ($ET/image/busybox-oci.tar; containerd.sh imports it with ctr once
#     its private containerd runs).
# Uses $HRUN_ENGINES_TMP (see lib.sh); prints progress as TAP comments.
set -u
. "$(dirname "$0")/lib.sh"
# setup.sh never owns the state: the caller (or run.sh) removes it.
OWN_ET=0

log() { echo "# setup: $*"; }

install_packages() {
	local missing=() p
	command -v podman >/dev/null || missing+=(podman)
	command -v conmon >/dev/null || missing+=(conmon)
	command -v containerd >/dev/null || missing+=(containerd)
	command -v ctr >/dev/null || missing+=(containerd)
	command -v jq >/dev/null || missing+=(jq)
	command -v script >/dev/null || missing+=(bsdutils)
	command -v ip >/dev/null || missing+=(iproute2)
	# cri.sh: the CRI client's gRPC and stub generator, containerd's loopback
	/usr/bin/python3 -c 'import grpc, grpc_tools.protoc' 2>/dev/null ||
		missing+=(python3-grpcio python3-grpc-tools)
	[ -x /usr/lib/cni/loopback ] || missing+=(containernetworking-plugins)
	if ! ldd /bin/busybox 2>&1 | grep -q "not a dynamic" &&
		! ldd /usr/bin/busybox 2>&1 | grep -q "not a dynamic"; then
		missing+=(busybox-static)
	fi
	[ ${#missing[@]} = 0 ] && return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || return 1
	# no recommends: buildah, slirp4netns, dbus-user-session... are not
	# needed by root with netns=none
	apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null || return 1
}

build_image() {
	local img=$ET/image
	if [ -f "$img/.done" ] && pm image exists "$IMAGE" 2>/dev/null; then
		log "image $IMAGE already there"
		return 0
	fi
	rm -f "$img/.done"
	"$SRC/tests/mkrootfs.sh" "$img/rootfs" >/dev/null || return 1
	tar -C "$img/rootfs" --numeric-owner -cf "$img/rootfs.tar" . || return 1
	pm import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
		"$img/rootfs.tar" "$IMAGE" >"$img/import.log" 2>&1 || { cat "$img/import.log"; return 1; }
	rm -f "$img/busybox-oci.tar"
	pm save --format oci-archive -o "$img/busybox-oci.tar" "$IMAGE" >"$img/save.log" 2>&1 ||
		{ cat "$img/save.log"; return 1; }
	touch "$img/.done"
	log "image $IMAGE built ($(du -sh "$img/busybox-oci.tar" | cut -f1) OCI archive)"
}

if [ "$(id -u)" != 0 ]; then
	echo "# setup: must run as root" >&2
	exit 1
fi
if [ ! -x "$HRUN" ]; then
	echo "# setup: no hrun binary at $HRUN (build it or set HRUN=)" >&2
	exit 1
fi
install_packages || { echo "# setup: apt-get failed" >&2; exit 1; }
build_image || { echo "# setup: building the image failed" >&2; exit 1; }
log "ok: state in $ET, runtime $RUNTIME (via $WRAPPER)"
