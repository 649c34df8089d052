#!/bin/bash
# base-config.sh: the hardened config the tests start from (printed on
# stdout): non-root user, no capabilities, read-only root, tmpfs /tmp and
# /run, no_new_privs, hrun's default seccomp profile, every namespace new
# (user namespace mapping 0..65535 to 100000..165535), masked and
# read-only /proc paths. Tests change it with jq.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
PROFILE=${HRUN_SECCOMP_PROFILE:-$SRC/profiles/seccomp/default.json}
jq -n --slurpfile seccomp "$PROFILE" '{
  ociVersion: "1.2.0",
  root: {path: "rootfs", readonly: true},
  hostname: "hrun-test",
  process: {
    terminal: false,
    user: {uid: 1000, gid: 1000, additionalGids: [2000]},
    args: ["sh"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/home/user"],
    cwd: "/",
    capabilities: {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []},
    rlimits: [{type: "RLIMIT_NOFILE", soft: 1024, hard: 1024}],
    noNewPrivileges: true
  },
  mounts: [
    {destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]},
    {destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "mode=1777", "size=64m"]},
    {destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "mode=755", "uid=1000", "gid=1000", "size=16m"]}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "cgroup"}, {type: "user"}],
    uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    gidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    resources: {devices: [{allow: false, access: "rwm"}]},
    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/powercap"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    seccomp: $seccomp[0]
  }
}'
