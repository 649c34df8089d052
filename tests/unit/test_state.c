/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for state_parse (src/runtime/state.c): the state.json text reader. */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hrun/error.h"
#include "hrun/state.h"
#include "hrun/sync.h"

static int parse(const char *text, struct hrun_state *st)
{
	return state_parse(text, strlen(text), st);
}

/* what state_write writes (a real file from `hrun run -d`) */
#define REAL                                                                                       \
	"{\"id\":\"c1\",\"pid\":23497,\"start_time\":84450,\"bundle\":\"/b\",\"rootfs\":\"/b/r\"," \
	"\"created\":\"2026-12-02T03:06:09.039481998Z\",\"owner\":\"\",\"cgroup_path\":"           \
	"\"/sys/fs/cgroup/hrun/c1\",\"annotations\":{\"a\":\"b\"},\"detached\":true}"

Test(state, parses_what_state_write_writes)
{
	struct hrun_state st;

	cr_assert_eq(parse(REAL, &st), 0, "%s", hrun_errmsg());
	cr_assert_str_eq(st.id, "c1");
	cr_assert_eq(st.pid, 23497);
	cr_assert_eq(st.start_time, 84450ULL);
	cr_assert_str_eq(st.bundle, "/b");
	cr_assert_str_eq(st.rootfs, "/b/r");
	cr_assert_str_eq(st.cgroup_path, "/sys/fs/cgroup/hrun/c1");
	cr_assert_str_eq(json_string_value(json_object_get(st.annotations, "a")), "b");
	cr_assert(st.detached);
	state_clear(&st);
}

Test(state, refuses_a_pid_kill_would_spread)
{
	static const char *const bad[] = {
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":-1}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":-23497}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":4294967296}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":\"1\"}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":[1]}",
	};
	struct hrun_state st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i], &st), -EINVAL, "%s", bad[i]);
		cr_assert_str_eq(hrun_errmsg(), "corrupt state file: bad pid or annotations");
		cr_assert_null(st.id);
	}
}

Test(state, refuses_missing_id_or_bundle)
{
	struct hrun_state st;

	cr_assert_eq(parse("{\"id\":\"c1\"}", &st), -EINVAL);
	cr_assert_str_eq(hrun_errmsg(), "corrupt state file: missing id or bundle");
	cr_assert_eq(parse("{\"id\":5,\"bundle\":\"/b\"}", &st), -EINVAL);
	cr_assert_eq(parse("[]", &st), -EINVAL);
}

/* found by fuzz_state: jansson quotes the input near the error, newline
 * included; the message must stay one line without control characters */
Test(state, error_text_has_no_control_characters)
{
	static const char text[] = "{\"id\":\"f89\",\"bundle\":\"bundl\\u0\n\x1b[2J";
	struct hrun_state st;

	cr_assert_eq(state_parse(text, sizeof(text) - 1, &st), -EINVAL);
	cr_assert_not_null(strstr(hrun_errmsg(), "corrupt state file: "));
	for (const char *p = hrun_errmsg(); *p; p++)
		cr_assert((unsigned char)*p >= 0x20 && *p != 0x7f, "control character in: %s",
			  hrun_errmsg());
}

/* The error convention: a failure the user can see records a line. The
 * sync channel closed by the other side (the container init died) is one. */
Test(errors, sync_recv_on_a_closed_channel_records_a_message)
{
	struct hrun_sync_msg m;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	hrun_err_clear();
	cr_assert_eq(sync_recv(sv[0], &m), -EPIPE);
	cr_assert_str_eq(hrun_errmsg(), "sync: the other side closed the channel");
	close(sv[0]);
}
