/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SEAL_H
#define HRUN_SEAL_H

/*
 * Sealed execution (the CVE-2019-5736 class): the commands that start
 * container processes run from a sealed in-memory copy of hrun, never from
 * the host's binary, so nothing in a container can reach a writable inode
 * of it (/proc/PID/exe, an O_PATH fd reopened through /proc/self/fd, a
 * `#!/proc/self/exe` script with the image's own loader). Which commands
 * do this is one field of the command table (commands.c: .sealed).
 */

/* Return 0 when /proc/self/exe is already a memfd carrying all of hrun's
 * seals (checked on the file itself, never on an environment variable).
 * Otherwise copy the binary into a new memfd, seal it and execveat(2) it
 * with the same ARGV and environment: on success this does not return. On
 * any failure, a negative errno with one line recorded (the caller exits:
 * hrun never runs these commands unsealed). */
int seal_ensure(char **argv);

#endif
