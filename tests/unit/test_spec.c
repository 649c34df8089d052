/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for src/spec/spec.c + src/spec/spec_linux.c (config.json parser).
 * JSON is written with single quotes for readability; json() turns them
 * into double quotes (no test string needs a literal apostrophe).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/error.h"
#include "hrun/spec.h"

static char *json(const char *s)
{
	char *d = strdup(s);

	cr_assert_not_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static struct hrun_spec *parse_ok(const char *text)
{
	struct hrun_spec *s = NULL;
	char *j = json(text);
	int r = spec_parse("config.json", j, strlen(j), &s);

	cr_assert_eq(r, 0, "spec_parse failed: %s", hrun_errmsg());
	cr_assert_not_null(s);
	free(j);
	return s;
}

#define CAPBIT(x) (UINT64_C(1) << (x))

/* ------------------------------------------------------------------ */
/* a complete, valid config: every field lands where it should         */

static const char full_config[] =
	"{'ociVersion':'1.2.0',"
	" 'root':{'path':'rootfs','readonly':true},"
	" 'mounts':["
	"  {'destination':'/proc','type':'proc','source':'proc'},"
	"  {'destination':'/tmp','type':'tmpfs','source':'tmpfs',"
	"   'options':['nosuid','nodev','mode=1777','size=64m','ro','rw','strictatime']},"
	"  {'destination':'/data','type':'bind','source':'/srv/data',"
	"   'options':['rbind','rprivate','ro','noexec','rro','defaults'],"
	"   'uidMappings':[],'gidMappings':[]}],"
	" 'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
	"  'user':{'uid':1000,'gid':1001,'umask':18,'additionalGids':[5,6,7]},"
	"  'args':['/bin/sh','-c','echo hi'],"
	"  'env':['PATH=/usr/bin:/bin','TERM=xterm'],"
	"  'cwd':'/home',"
	"  'capabilities':{'bounding':['CAP_CHOWN','CAP_NET_RAW','CAP_CHECKPOINT_RESTORE'],"
	"   'effective':['CAP_CHOWN'],'permitted':['CAP_CHOWN','CAP_KILL'],"
	"   'inheritable':[],'ambient':['CAP_KILL']},"
	"  'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
	"   {'type':'RLIMIT_CORE','soft':0,'hard':0}],"
	"  'noNewPrivileges':true,'oomScoreAdj':-500,"
	"  'apparmorProfile':'','selinuxLabel':'','commandLine':'ignored on linux'},"
	" 'hostname':'box','domainname':'example.org',"
	" 'annotations':{'org.example.key':'value','b':''},"
	" 'hooks':{'prestart':[{'path':'/usr/bin/pre','args':['pre','x'],'env':['A=1'],'timeout':5}],"
	"  'createRuntime':[{'path':'/cr'}],'createContainer':[{'path':'/cc'}],"
	"  'startContainer':[{'path':'/sc'}],'poststart':[{'path':'/ps'}],"
	"  'poststop':[{'path':'/pst'},{'path':'/pst2'}]},"
	" 'linux':{"
	"  'namespaces':[{'type':'pid'},{'type':'network','path':'/var/run/netns/x'},"
	"   {'type':'mount'},{'type':'ipc'},{'type':'uts'},{'type':'user'},"
	"   {'type':'cgroup'},{'type':'time'}],"
	"  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	"  'gidMappings':[{'containerID':0,'hostID':200000,'size':65536},"
	"   {'containerID':65536,'hostID':300000,'size':1}],"
	"  'devices':[{'type':'c','path':'/dev/fuse','major':10,'minor':229,'fileMode':438,"
	"   'uid':0,'gid':5},{'type':'p','path':'/dev/fifo'}],"
	"  'cgroupsPath':'/hrun/test',"
	"  'resources':{"
	"   'devices':[{'allow':false},{'allow':true,'type':'c','major':1,'minor':3,'access':'mr'}],"
	"   'memory':{'limit':536870912,'reservation':-1,'swap':1073741824,'kernel':0,"
	"    'swappiness':60,'disableOOMKiller':false,'useHierarchy':true,'checkBeforeUpdate':true},"
	"   'cpu':{'shares':1024,'quota':50000,'burst':1000,'period':100000,"
	"    'realtimeRuntime':950000,'realtimePeriod':1000000,'cpus':'0-3,7','mems':'0','idle':1},"
	"   'pids':{'limit':100},"
	"   'blockIO':{'weight':500,'leafWeight':300,"
	"    'weightDevice':[{'major':8,'minor':0,'weight':400}],"
	"    'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1048576}],"
	"    'throttleWriteBpsDevice':[{'major':8,'minor':16,'rate':2097152}],"
	"    'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':100}],"
	"    'throttleWriteIOPSDevice':[{'major':8,'minor':32,'rate':200}]},"
	"   'hugepageLimits':[{'pageSize':'2MB','limit':209715200}],"
	"   'unified':{'memory.high':'400M','io.weight':'default 100'}},"
	"  'sysctl':{'net.ipv4.ip_forward':'1','kernel.shm_rmid_forced':'1'},"
	"  'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':1,"
	"   'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],"
	"   'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW',"
	"    'SECCOMP_FILTER_FLAG_TSYNC'],"
	"   'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
	"    {'names':['personality'],'action':'SCMP_ACT_ALLOW','args':["
	"     {'index':0,'value':8,'op':'SCMP_CMP_EQ'},"
	"     {'index':1,'value':255,'valueTwo':8,'op':'SCMP_CMP_MASKED_EQ'}]},"
	"    {'names':['mount'],'action':'SCMP_ACT_ERRNO','errnoRet':38},"
	"    {'names':['kexec_load'],'action':'SCMP_ACT_KILL_PROCESS'}]},"
	"  'rootfsPropagation':'rslave',"
	"  'maskedPaths':['/proc/kcore','/sys/firmware'],"
	"  'readonlyPaths':['/proc/sys'],"
	"  'mountLabel':'',"
	"  'personality':{'domain':'LINUX32'},"
	"  'timeOffsets':{'boottime':{'secs':-3600,'nanosecs':5},"
	"   'monotonic':{'secs':86400,'nanosecs':999999999}}},"
	" 'unknownTopLevel':{'whatever':[1,2]}}";

Test(spec, full_config_top_and_mounts)
{
	struct hrun_spec *s = parse_ok(full_config);
	const struct hrun_mount *m;

	cr_expect_str_eq(s->oci_version, "1.2.0");
	cr_expect_str_eq(s->root_path, "rootfs");
	cr_expect(s->root_readonly);
	cr_expect_str_eq(s->hostname, "box");
	cr_expect_str_eq(s->domainname, "example.org");
	cr_assert_eq(s->n_annotations, 2);
	cr_expect_str_eq(s->annotations[0].key, "org.example.key");
	cr_expect_str_eq(s->annotations[0].value, "value");
	cr_expect_str_eq(s->annotations[1].key, "b");
	cr_expect_str_eq(s->annotations[1].value, "");

	cr_assert_eq(s->n_mounts, 3);
	m = &s->mounts[0];
	cr_expect_str_eq(m->destination, "/proc");
	cr_expect_str_eq(m->type, "proc");
	cr_expect_str_eq(m->source, "proc");
	cr_expect_eq(m->flags, 0);
	cr_expect_null(m->data);
	cr_expect_eq(m->propagation, HRUN_PROP_NONE);

	m = &s->mounts[1];
	cr_expect_eq(m->flags, MS_NOSUID | MS_NODEV | MS_STRICTATIME, "flags %#lx", m->flags);
	cr_expect_eq(m->clear_flags, MS_RDONLY, "clear %#lx", m->clear_flags);
	cr_expect_str_eq(m->data, "mode=1777,size=64m");
	cr_expect_eq(m->rec_attr_set, 0);
	cr_expect_eq(m->idmap, HRUN_IDMAP_NONE);

	m = &s->mounts[2];
	cr_expect_eq(m->flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOEXEC, "flags %#lx", m->flags);
	cr_expect_eq(m->clear_flags, 0);
	cr_expect_eq(m->propagation, HRUN_PROP_RPRIVATE);
	cr_expect_eq(m->rec_attr_set, MOUNT_ATTR_RDONLY);
	cr_expect_eq(m->rec_attr_clr, 0);
	cr_expect_null(m->data);
	spec_free(s);
}

/* The recursive options, in order (the last of a pair wins; an atime mode
 * clears the whole atime mask), idmap/ridmap and the mount's mappings. */
Test(spec, mount_recursive_options_and_idmap)
{
	struct hrun_spec *s = parse_ok(
		"{'ociVersion':'1.2.0','root':{'path':'rootfs'},'mounts':["
		" {'destination':'/a','type':'bind','source':'/s','options':['rbind','rro','rnosuid',"
		"  'rsuid','rnodev','rexec','rnoatime','rstrictatime','rnosymfollow','rdiratime',"
		"  'nosymfollow']},"
		" {'destination':'/b','type':'bind','source':'/s','options':['rbind','ratime','rrw',"
		"  'idmap','ridmap'],'uidMappings':[{'containerID':0,'hostID':1000,'size':1},"
		"  {'containerID':1,'hostID':1001,'size':9}],'gidMappings':[{'containerID':0,"
		"  'hostID':2000,'size':10}]},"
		" {'destination':'/c','type':'bind','source':'/s','options':['bind','idmap'],"
		"  'uidMappings':[],'gidMappings':[]}],"
		"'linux':{'namespaces':[{'type':'user'},{'type':'mount'}],"
		" 'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
		" 'gidMappings':[{'containerID':0,'hostID':100000,'size':65536}]}}");
	const struct hrun_mount *m = &s->mounts[0];

	cr_expect_eq(m->rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME |
					      MOUNT_ATTR_NOSYMFOLLOW, "set %#x", m->rec_attr_set);
	cr_expect_eq(m->rec_attr_clr, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME |
					      MOUNT_ATTR_NODIRATIME, "clr %#x", m->rec_attr_clr);
	cr_expect(m->flags & MS_NOSYMFOLLOW);
	cr_expect_eq(m->idmap, HRUN_IDMAP_NONE);
	m = &s->mounts[1];
	cr_expect_eq(m->rec_attr_set, MOUNT_ATTR_RELATIME, "set %#x", m->rec_attr_set);
	cr_expect_eq(m->rec_attr_clr, MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY, "clr %#x", m->rec_attr_clr);
	cr_expect_eq(m->idmap, HRUN_IDMAP_RECURSIVE);
	cr_assert_eq(m->n_uid_mappings, 2);
	cr_expect_eq(m->uid_mappings[1].container_id, 1);
	cr_expect_eq(m->uid_mappings[1].host_id, 1001);
	cr_expect_eq(m->uid_mappings[1].size, 9);
	cr_assert_eq(m->n_gid_mappings, 1);
	cr_expect_eq(m->gid_mappings[0].host_id, 2000);
	cr_expect_null(m->data);
	m = &s->mounts[2];
	cr_expect_eq(m->idmap, HRUN_IDMAP_TOP);
	cr_expect_eq(m->n_uid_mappings, 0);
	spec_free(s);
}

Test(spec, full_config_process_and_hooks)
{
	struct hrun_spec *s = parse_ok(full_config);
	const struct hrun_process *p = &s->process;

	cr_assert(s->has_process);
	cr_expect(p->terminal);
	cr_expect(p->has_console_size);
	cr_expect_eq(p->console_height, 24);
	cr_expect_eq(p->console_width, 80);
	cr_expect_eq(p->user.uid, 1000);
	cr_expect_eq(p->user.gid, 1001);
	cr_expect(p->user.has_umask);
	cr_expect_eq(p->user.umask, 022);
	cr_assert_eq(p->user.n_additional_gids, 3);
	cr_expect_eq(p->user.additional_gids[2], 7);
	cr_expect_null(p->user.username);
	cr_expect_str_eq(p->args[0], "/bin/sh");
	cr_expect_str_eq(p->args[2], "echo hi");
	cr_expect_null(p->args[3]);
	cr_expect_str_eq(p->env[1], "TERM=xterm");
	cr_expect_null(p->env[2]);
	cr_expect_str_eq(p->cwd, "/home");
	cr_expect(p->has_caps);
	cr_expect_eq(p->caps.bounding,
		     CAPBIT(CAP_CHOWN) | CAPBIT(CAP_NET_RAW) | CAPBIT(CAP_CHECKPOINT_RESTORE));
	cr_expect_eq(p->caps.effective, CAPBIT(CAP_CHOWN));
	cr_expect_eq(p->caps.permitted, CAPBIT(CAP_CHOWN) | CAPBIT(CAP_KILL));
	cr_expect_eq(p->caps.inheritable, 0);
	cr_expect_eq(p->caps.ambient, CAPBIT(CAP_KILL));
	cr_assert_eq(p->n_rlimits, 2);
	cr_expect_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	cr_expect_eq(p->rlimits[0].soft, 1024);
	cr_expect_eq(p->rlimits[0].hard, 4096);
	cr_expect_eq(p->rlimits[1].resource, RLIMIT_CORE);
	cr_expect(p->no_new_privileges);
	cr_expect(p->has_oom_score_adj);
	cr_expect_eq(p->oom_score_adj, -500);

	cr_assert_eq(s->hooks[HRUN_HOOK_PRESTART].n, 1);
	cr_expect_str_eq(s->hooks[HRUN_HOOK_PRESTART].hooks[0].path, "/usr/bin/pre");
	cr_expect_str_eq(s->hooks[HRUN_HOOK_PRESTART].hooks[0].args[1], "x");
	cr_expect_str_eq(s->hooks[HRUN_HOOK_PRESTART].hooks[0].env[0], "A=1");
	cr_expect(s->hooks[HRUN_HOOK_PRESTART].hooks[0].has_timeout);
	cr_expect_eq(s->hooks[HRUN_HOOK_PRESTART].hooks[0].timeout, 5);
	cr_expect_str_eq(s->hooks[HRUN_HOOK_CREATE_RUNTIME].hooks[0].path, "/cr");
	cr_expect_not(s->hooks[HRUN_HOOK_CREATE_RUNTIME].hooks[0].has_timeout);
	cr_expect_str_eq(s->hooks[HRUN_HOOK_CREATE_CONTAINER].hooks[0].path, "/cc");
	cr_expect_str_eq(s->hooks[HRUN_HOOK_START_CONTAINER].hooks[0].path, "/sc");
	cr_expect_str_eq(s->hooks[HRUN_HOOK_POSTSTART].hooks[0].path, "/ps");
	cr_assert_eq(s->hooks[HRUN_HOOK_POSTSTOP].n, 2);
	cr_expect_str_eq(s->hooks[HRUN_HOOK_POSTSTOP].hooks[1].path, "/pst2");
	spec_free(s);
}

Test(spec, full_config_linux)
{
	struct hrun_spec *s = parse_ok(full_config);
	const struct hrun_linux *l = &s->linux_cfg;

	for (int t = 0; t < HRUN_NS_COUNT; t++)
		cr_expect(l->namespaces[t].enabled, "namespace %s", spec_ns_name(t));
	cr_expect_str_eq(l->namespaces[HRUN_NS_NET].path, "/var/run/netns/x");
	cr_expect_null(l->namespaces[HRUN_NS_PID].path);
	cr_assert_eq(l->n_uid_mappings, 1);
	cr_expect_eq(l->uid_mappings[0].container_id, 0);
	cr_expect_eq(l->uid_mappings[0].host_id, 100000);
	cr_expect_eq(l->uid_mappings[0].size, 65536);
	cr_assert_eq(l->n_gid_mappings, 2);
	cr_expect_eq(l->gid_mappings[1].container_id, 65536);
	cr_expect_eq(l->gid_mappings[1].host_id, 300000);
	cr_assert_eq(l->n_devices, 2);
	cr_expect_str_eq(l->devices[0].path, "/dev/fuse");
	cr_expect_eq(l->devices[0].type, 'c');
	cr_expect_eq(l->devices[0].major, 10);
	cr_expect_eq(l->devices[0].minor, 229);
	cr_expect(l->devices[0].has_file_mode);
	cr_expect_eq(l->devices[0].file_mode, 0666);
	cr_expect(l->devices[0].has_uid);
	cr_expect_eq(l->devices[0].gid, 5);
	cr_expect_eq(l->devices[1].type, 'p');
	cr_expect_not(l->devices[1].has_file_mode);
	cr_expect_str_eq(l->cgroups_path, "/hrun/test");
	cr_assert_eq(l->n_sysctl, 2);
	cr_expect_str_eq(l->sysctl[0].key, "net.ipv4.ip_forward");
	cr_expect_str_eq(l->sysctl[0].value, "1");
	cr_expect_eq(l->rootfs_propagation, HRUN_PROP_RSLAVE);
	cr_expect_str_eq(l->masked_paths[1], "/sys/firmware");
	cr_expect_null(l->masked_paths[2]);
	cr_expect_str_eq(l->readonly_paths[0], "/proc/sys");
	cr_expect_null(l->mount_label);
	cr_expect(l->has_personality);
	cr_expect_eq(l->personality, PER_LINUX32);
	cr_expect(l->has_time_offsets);
	cr_expect_eq(l->boottime_secs, -3600);
	cr_expect_eq(l->boottime_nanosecs, 5);
	cr_expect_eq(l->monotonic_secs, 86400);
	cr_expect_eq(l->monotonic_nanosecs, 999999999);
	spec_free(s);
}

Test(spec, full_config_resources)
{
	struct hrun_spec *s = parse_ok(full_config);
	const struct hrun_resources *r = &s->linux_cfg.resources;

	cr_assert(s->linux_cfg.has_resources);
	cr_assert_eq(r->n_devices, 2);
	cr_expect_not(r->devices[0].allow);
	cr_expect_eq(r->devices[0].type, 'a');
	cr_expect_eq(r->devices[0].major, -1);
	cr_expect_eq(r->devices[0].minor, -1);
	cr_expect_str_eq(r->devices[0].access, "rwm");
	cr_expect(r->devices[1].allow);
	cr_expect_eq(r->devices[1].type, 'c');
	cr_expect_eq(r->devices[1].major, 1);
	cr_expect_eq(r->devices[1].minor, 3);
	cr_expect_str_eq(r->devices[1].access, "rm");

	cr_expect(r->has_mem_limit && r->mem_limit == 536870912);
	cr_expect(r->has_mem_reservation && r->mem_reservation == -1);
	cr_expect(r->has_mem_swap && r->mem_swap == 1073741824);
	cr_expect(r->has_mem_swappiness && r->mem_swappiness == 60);
	cr_expect(r->has_mem_disable_oom_killer && !r->mem_disable_oom_killer);
	cr_expect(r->has_mem_use_hierarchy && r->mem_use_hierarchy);
	cr_expect(r->has_mem_check_before_update && r->mem_check_before_update);

	cr_expect(r->has_cpu_shares && r->cpu_shares == 1024);
	cr_expect(r->has_cpu_quota && r->cpu_quota == 50000);
	cr_expect(r->has_cpu_burst && r->cpu_burst == 1000);
	cr_expect(r->has_cpu_period && r->cpu_period == 100000);
	cr_expect(r->has_cpu_rt_runtime && r->cpu_rt_runtime == 950000);
	cr_expect(r->has_cpu_rt_period && r->cpu_rt_period == 1000000);
	cr_expect_str_eq(r->cpu_cpus, "0-3,7");
	cr_expect_str_eq(r->cpu_mems, "0");
	cr_expect(r->has_cpu_idle && r->cpu_idle == 1);
	cr_expect(r->has_pids_limit && r->pids_limit == 100);

	cr_expect(r->has_blkio_weight && r->blkio_weight == 500);
	cr_expect(r->has_blkio_leaf_weight && r->blkio_leaf_weight == 300);
	cr_assert_eq(r->n_blkio_weight_device, 1);
	cr_expect_eq(r->blkio_weight_device[0].major, 8);
	cr_expect(r->blkio_weight_device[0].has_weight);
	cr_expect_eq(r->blkio_weight_device[0].weight, 400);
	cr_expect_not(r->blkio_weight_device[0].has_leaf_weight);
	cr_assert_eq(r->n_blkio_read_bps, 1);
	cr_expect_eq(r->blkio_read_bps[0].rate, 1048576);
	cr_assert_eq(r->n_blkio_write_bps, 1);
	cr_expect_eq(r->blkio_write_bps[0].minor, 16);
	cr_expect_eq(r->blkio_write_bps[0].rate, 2097152);
	cr_assert_eq(r->n_blkio_read_iops, 1);
	cr_expect_eq(r->blkio_read_iops[0].rate, 100);
	cr_assert_eq(r->n_blkio_write_iops, 1);
	cr_expect_eq(r->blkio_write_iops[0].minor, 32);
	cr_assert_eq(r->n_hugepage_limits, 1);
	cr_expect_str_eq(r->hugepage_limits[0].page_size, "2MB");
	cr_expect_eq(r->hugepage_limits[0].limit, 209715200);
	cr_assert_eq(r->n_unified, 2);
	cr_expect_str_eq(r->unified[1].key, "io.weight");
	cr_expect_str_eq(r->unified[1].value, "default 100");
	spec_free(s);
}

Test(spec, full_config_seccomp)
{
	struct hrun_spec *s = parse_ok(full_config);
	const struct hrun_seccomp *sc = s->linux_cfg.seccomp;

	cr_assert_not_null(sc);
	cr_expect_eq(sc->default_action, HRUN_SCMP_ERRNO);
	cr_expect(sc->has_default_errno_ret);
	cr_expect_eq(sc->default_errno_ret, 1);
	cr_expect_str_eq(sc->architectures[0], "SCMP_ARCH_X86_64");
	cr_expect_str_eq(sc->architectures[2], "SCMP_ARCH_X32");
	cr_expect_null(sc->architectures[3]);
	cr_expect_eq(sc->flags, HRUN_SECCOMP_FLAG_LOG | HRUN_SECCOMP_FLAG_SPEC_ALLOW);
	cr_assert_eq(sc->n_syscalls, 4);
	cr_expect_str_eq(sc->syscalls[0].names[1], "write");
	cr_expect_null(sc->syscalls[0].names[2]);
	cr_expect_eq(sc->syscalls[0].action, HRUN_SCMP_ALLOW);
	cr_expect_eq(sc->syscalls[0].n_args, 0);
	cr_assert_eq(sc->syscalls[1].n_args, 2);
	cr_expect_eq(sc->syscalls[1].args[0].index, 0);
	cr_expect_eq(sc->syscalls[1].args[0].value, 8);
	cr_expect_eq(sc->syscalls[1].args[0].op, HRUN_SCMP_CMP_EQ);
	cr_expect_eq(sc->syscalls[1].args[1].index, 1);
	cr_expect_eq(sc->syscalls[1].args[1].value, 255);
	cr_expect_eq(sc->syscalls[1].args[1].value_two, 8);
	cr_expect_eq(sc->syscalls[1].args[1].op, HRUN_SCMP_CMP_MASKED_EQ);
	cr_expect_eq(sc->syscalls[2].action, HRUN_SCMP_ERRNO);
	cr_expect(sc->syscalls[2].has_errno_ret);
	cr_expect_eq(sc->syscalls[2].errno_ret, 38);
	cr_expect_not(sc->syscalls[0].has_errno_ret);
	cr_expect_eq(sc->syscalls[3].action, HRUN_SCMP_KILL_PROCESS);
	spec_free(s);
}

/* ------------------------------------------------------------------ */
/* minimal configs and defaults                                        */

#define CFG(x) "{'ociVersion':'1.0.2-dev','root':{'path':'rootfs'}" x "}"
#define USER0 "'user':{'uid':0,'gid':0}"
#define PROC(x) CFG(",'process':{" x "}")
#define PROCOK(x) PROC(USER0 ",'cwd':'/','args':['sh']" x)
#define LNX(x) CFG(",'linux':{" x "}")
#define RES(x) LNX("'resources':{" x "}")
#define SCMP(x) LNX("'seccomp':{" x "}")

Test(spec, minimal_config_defaults)
{
	struct hrun_spec *s = parse_ok(CFG(""));

	cr_expect_str_eq(s->oci_version, "1.0.2-dev");
	cr_expect_not(s->root_readonly);
	cr_expect_not(s->has_process);
	cr_expect_eq(s->n_mounts, 0);
	cr_expect_null(s->mounts);
	cr_expect_null(s->linux_cfg.seccomp);
	cr_expect_not(s->linux_cfg.has_resources);
	cr_expect_not(s->linux_cfg.namespaces[HRUN_NS_PID].enabled);
	cr_expect_eq(s->linux_cfg.rootfs_propagation, HRUN_PROP_NONE);
	for (int i = 0; i < HRUN_HOOK_COUNT; i++)
		cr_expect_eq(s->hooks[i].n, 0);
	spec_free(s);
}

Test(spec, nulls_and_unknown_keys_are_ignored)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'hostname':null,'process':{" USER0 ",'cwd':'/','args':['sh'],'env':null,"
		    "'futureField':{'x':1}},'linux':{'seccomp':null,'newThing':[1]},'vm':{}"));

	cr_expect_null(s->hostname);
	cr_expect(s->has_process);
	cr_expect_null(s->process.env);
	cr_expect_null(s->linux_cfg.seccomp);
	cr_expect_not(s->process.has_caps);
	cr_expect_not(s->process.has_oom_score_adj);
	spec_free(s);
}

Test(spec, mount_options_last_wins_and_propagation)
{
	struct hrun_spec *s = parse_ok(CFG(
		",'mounts':[{'destination':'/a','options':['rw','ro','suid','nosuid','shared',"
		"'private','noatime','atime','x-custom','nosymfollow','bind']}]"));
	const struct hrun_mount *m = &s->mounts[0];

	cr_expect_eq(m->flags, MS_RDONLY | MS_NOSUID | MS_NOSYMFOLLOW | MS_BIND,
		     "flags %#lx", m->flags);
	cr_expect_eq(m->clear_flags, MS_NOATIME, "clear %#lx", m->clear_flags);
	cr_expect_eq(m->propagation, HRUN_PROP_PRIVATE);
	cr_expect_str_eq(m->data, "x-custom");
	cr_expect_null(m->type);
	cr_expect_null(m->source);
	spec_free(s);
}

Test(spec, joined_user_namespace_needs_no_mappings)
{
	struct hrun_spec *s =
		parse_ok(LNX("'namespaces':[{'type':'user','path':'/proc/1/ns/user'}]"));

	cr_expect(s->linux_cfg.namespaces[HRUN_NS_USER].enabled);
	cr_expect_str_eq(s->linux_cfg.namespaces[HRUN_NS_USER].path, "/proc/1/ns/user");
	spec_free(s);
}

Test(spec, deprecated_kernel_memory_is_ignored)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'linux':{'resources':{'memory':{'kernel':1048576,'kernelTCP':-1}}}"));

	cr_expect(s->linux_cfg.has_resources);
	cr_expect_not(s->linux_cfg.resources.has_mem_limit);
	spec_free(s);
}

Test(spec, net_devices)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'linux':{'namespaces':[{'type':'network','path':'/run/netns/x'}],"
		    "'netDevices':{'veth1':{'name':'ctr0'},'eth2':{},'eth3':{'name':''},"
		    "'eth4':{'name':'net%d'},'eth5':{'name':'net%d'}}}"));
	const struct hrun_net_device *d = s->linux_cfg.net_devices;

	cr_assert_eq(s->linux_cfg.n_net_devices, 5);
	cr_expect_str_eq(d[0].host_name, "veth1");
	cr_expect_str_eq(d[0].name, "ctr0");
	cr_expect_str_eq(d[1].host_name, "eth2");
	cr_expect_null(d[1].name);
	cr_expect_null(d[2].name, "\"\" is read as not given");
	cr_expect_str_eq(d[4].name, "net%d", "two templates may share a pattern");
	spec_free(s);
}

Test(spec, device_file_mode_with_type_bits)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'linux':{'devices':[{'type':'c','path':'/dev/fuse','major':10,'minor':229,"
		    "'fileMode':8630}]}"));

	cr_expect_eq(s->linux_cfg.devices[0].file_mode, 0666);
	spec_free(s);
}

Test(spec, unsupported_fields_accept_empty_values)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'process':{" USER0 ",'cwd':'/','args':['sh'],'apparmorProfile':'',"
		    "'scheduler':{},'ioPriority':null,'execCPUAffinity':{}},"
		    "'linux':{'mountLabel':'','intelRdt':{},'netDevices':{},"
		    "'resources':{'memory':{'kernel':0,'kernelTCP':0},'network':{},'rdma':{}}}"));

	cr_expect(s->has_process);
	cr_expect(s->linux_cfg.has_resources);
	cr_expect_not(s->linux_cfg.resources.has_mem_limit);
	spec_free(s);
}

Test(spec, failure_leaves_output_untouched)
{
	struct hrun_spec *sentinel = (struct hrun_spec *)0x1;
	char *j = json(PROC("'args':[]"));
	int r = spec_parse("config.json", j, strlen(j), &sentinel);

	cr_expect_eq(r, -EINVAL);
	cr_expect_eq(sentinel, (struct hrun_spec *)0x1);
	free(j);
}

Test(spec, filename_appears_in_messages)
{
	struct hrun_spec *s = NULL;
	const char *j = "{\"ociVersion\":\"1.0.0\"}";

	cr_assert_eq(spec_parse("/b/config.json", j, strlen(j), &s), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "/b/config.json: root: required field is missing");
	cr_expect_null(s);
}

Test(spec, json_error_text_has_no_control_characters)
{
	struct hrun_spec *s = NULL;
	const char j[] = "{\"a\":\x1b}";

	cr_assert_eq(spec_parse("config.json", j, strlen(j), &s), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(),
			 "config.json: invalid JSON at line 1 column 6: invalid token near '?'");
}

Test(spec, strings_in_messages_are_escaped)
{
	struct hrun_spec *s = NULL;
	char *j = json(PROCOK(",'capabilities':{'bounding':['CAP_\\u001b[2J']}"));

	cr_assert_eq(spec_parse("config.json", j, strlen(j), &s), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "config.json: process.capabilities.bounding[0]: "
					"unknown capability \"CAP_\\u001B[2J\"");
	free(j);
}

/* ------------------------------------------------------------------ */
/* bad inputs: exactly one line naming the JSON path                   */

struct bad_case {
	const char *json;
	const char *msg;
};

#define E(m) "config.json: " m

static const struct bad_case bad_cases[] = {
	/* syntax and top level */
	{ "{'ociVersion': }",
	  E("invalid JSON at line 1 column 16: unexpected token near '}'") },
	{ "{'a':1,'a':2}", E("invalid JSON at line 1 column 10: duplicate object key near '\"a\"'") },
	{ "[1]", E("expected a JSON object at the top level") },
	{ "{'root':{'path':'r'}}", E("ociVersion: required field is missing") },
	{ "{'ociVersion':'2.0.0','root':{'path':'r'}}",
	  E("ociVersion: unsupported version \"2.0.0\" (hrun supports 1.x)") },
	{ "{'ociVersion':1,'root':{'path':'r'}}", E("ociVersion: expected a string, got 1") },
	{ "{'ociVersion':'1.0.0'}", E("root: required field is missing") },
	{ "{'ociVersion':'1.0.0','root':{}}", E("root.path: required field is missing") },
	{ "{'ociVersion':'1.0.0','root':'rootfs'}", E("root: expected an object, got \"rootfs\"") },
	{ "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}",
	  E("root.readonly: expected a boolean, got \"yes\"") },
	/* mounts */
	{ CFG(",'mounts':{}"), E("mounts: expected an array, got an object") },
	{ CFG(",'mounts':[{'destination':'/a'},{'destination':'tmp'}]"),
	  E("mounts[1].destination: must be an absolute path, got \"tmp\"") },
	{ CFG(",'mounts':[{'type':'tmpfs'}]"), E("mounts[0].destination: required field is missing") },
	{ CFG(",'mounts':[{'destination':'/a','options':['a,b']}]"),
	  E("mounts[0].options[0]: invalid mount option \"a,b\"") },
	/* idmapped mounts */
#define IDM(o, x) CFG(",'mounts':[{'destination':'/a','type':'bind','source':'/s','options':[" o "]" x "}]")
#define MAP1 "[{'containerID':0,'hostID':1000,'size':1}]"
	{ IDM("", ",'uidMappings':" MAP1 ",'gidMappings':" MAP1),
	  E("mounts[0]: uidMappings requires the \"idmap\" or \"ridmap\" option") },
	{ IDM("'idmap'", ",'uidMappings':" MAP1),
	  E("mounts[0]: uidMappings requires gidMappings too") },
	{ IDM("'ridmap'", ",'gidMappings':" MAP1),
	  E("mounts[0]: gidMappings requires uidMappings too") },
	{ IDM("'idmap'", ""),
	  E("mounts[0].options: \"idmap\" without uidMappings/gidMappings takes the container's "
	    "user namespace mapping, and linux.namespaces has no user namespace") },
	{ CFG(",'mounts':[{'destination':'/a','type':'tmpfs','options':['ridmap'],'uidMappings':" MAP1
	      ",'gidMappings':" MAP1 "}]"),
	  E("mounts[0].options: \"ridmap\": hrun idmaps bind mounts only") },
	{ IDM("'idmap'", ",'uidMappings':[{'containerID':0,'hostID':1000,'size':0}],'gidMappings':" MAP1),
	  E("mounts[0].uidMappings[0].size: must be between 1 and 4294967295, got 0") },
	{ IDM("'idmap'", ",'uidMappings':" MAP1 ",'gidMappings':[{'containerID':0,'hostID':1000,"
	      "'size':10},{'containerID':5,'hostID':2000,'size':1}]"),
	  E("mounts[0].gidMappings[1]: its containerID range overlaps that of entry 0") },
	{ IDM("'idmap'", ",'uidMappings':[{'containerID':0,'hostID':1000,'size':10},"
	      "{'containerID':100,'hostID':1009,'size':1}],'gidMappings':" MAP1),
	  E("mounts[0].uidMappings[1]: its hostID range overlaps that of entry 0") },
	{ IDM("'idmap=uids=0-1000-1;gids=0-1000-1'", ""),
	  E("mounts[0].options[0]: \"idmap=uids=0-1000-1;gids=0-1000-1\" is not supported by hrun "
	    "(crun's inline mapping syntax: give the mapping in uidMappings/gidMappings and the "
	    "option \"idmap\")") },
	{ IDM("'idmap'", ",'uidMappings':{},'gidMappings':" MAP1),
	  E("mounts[0].uidMappings: expected an array, got an object") },
	/* process */
	{ PROC(USER0 ",'cwd':'/'"), E("process.args: required field is missing") },
	{ PROC(USER0 ",'cwd':'/','args':[]"), E("process.args: must contain at least 1 element") },
	{ PROC(USER0 ",'cwd':'/','args':['sh',1]"), E("process.args[1]: expected a string, got 1") },
	{ PROC(USER0 ",'args':['sh']"), E("process.cwd: required field is missing") },
	{ PROC(USER0 ",'cwd':'home','args':['sh']"),
	  E("process.cwd: must be an absolute path, got \"home\"") },
	{ PROC("'cwd':'/','args':['sh']"), E("process.user: required field is missing") },
	{ PROC("'user':{'uid':'root','gid':0},'cwd':'/','args':['sh']"),
	  E("process.user.uid: expected a non-negative integer, got \"root\"") },
	{ PROC("'user':{'uid':-1,'gid':0},'cwd':'/','args':['sh']"),
	  E("process.user.uid: expected a non-negative integer, got -1") },
	{ PROC("'user':{'uid':4294967295,'gid':0},'cwd':'/','args':['sh']"),
	  E("process.user.uid: must be between 0 and 4294967294, got 4294967295") },
	{ PROC("'user':{'uid':0,'gid':1.5},'cwd':'/','args':['sh']"),
	  E("process.user.gid: expected a non-negative integer, got 1.5") },
	{ PROC("'user':{'uid':0},'cwd':'/','args':['sh']"),
	  E("process.user.gid: required field is missing") },
	{ PROC("'user':{'uid':0,'gid':0,'additionalGids':[1,-2]},'cwd':'/','args':['sh']"),
	  E("process.user.additionalGids[1]: expected a non-negative integer, got -2") },
	{ PROC("'user':{'uid':0,'gid':0,'umask':512},'cwd':'/','args':['sh']"),
	  E("process.user.umask: must be between 0 and 511, got 512") },
	{ PROC("'user':{'uid':0,'gid':0,'username':'root'},'cwd':'/','args':['sh']"),
	  E("process.user.username: not supported by hrun (a Windows-only field; use uid/gid)") },
	{ PROCOK(",'env':['A=1','FOO']"), E("process.env[1]: expected \"NAME=VALUE\", got \"FOO\"") },
	{ PROCOK(",'env':['=x']"), E("process.env[0]: expected \"NAME=VALUE\", got \"=x\"") },
	{ PROCOK(",'terminal':'true'"), E("process.terminal: expected a boolean, got \"true\"") },
	{ PROCOK(",'consoleSize':{'height':24}"),
	  E("process.consoleSize.width: required field is missing") },
	{ PROCOK(",'capabilities':{'bounding':['CAP_CHOWN','CAP_FOO']}"),
	  E("process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"") },
	{ PROCOK(",'capabilities':{'ambient':['cap_chown']}"),
	  E("process.capabilities.ambient[0]: unknown capability \"cap_chown\"") },
	{ PROCOK(",'capabilities':{'effective':'CAP_CHOWN'}"),
	  E("process.capabilities.effective: expected an array, got \"CAP_CHOWN\"") },
	{ PROCOK(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
	  E("process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"") },
	{ PROCOK(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
		 "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
	  E("process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"") },
	{ PROCOK(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':10,'hard':5}]"),
	  E("process.rlimits[0]: soft limit 10 exceeds hard limit 5") },
	{ PROCOK(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':10}]"),
	  E("process.rlimits[0].hard: required field is missing") },
	{ PROCOK(",'oomScoreAdj':1001"),
	  E("process.oomScoreAdj: must be between -1000 and 1000, got 1001") },
	{ PROCOK(",'apparmorProfile':7"), E("process.apparmorProfile: expected a string, got 7") },
	{ PROCOK(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}"),
	  E("process.ioPriority.priority: must be between 0 and 7, got 8") },
	{ PROCOK(",'scheduler':{'policy':'SCHED_X'}"),
	  E("process.scheduler.policy: unknown scheduler policy \"SCHED_X\"") },
	{ PROCOK(",'execCPUAffinity':{'initial':'0-'}"),
	  E("process.execCPUAffinity.initial: invalid CPU list \"0-\" (expected e.g. \"0-3,7\", below 8192)") },
	{ CFG(",'hostname':'h'"), E("hostname: requires a UTS namespace in linux.namespaces") },
	{ CFG(",'hostname':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"),
	  E("hostname: longer than 64 characters") },
	{ CFG(",'annotations':{'a':true}"), E("annotations[\"a\"]: expected a string, got true") },
	{ CFG(",'annotations':['a']"), E("annotations: expected an object, got an array") },
	/* hooks */
	{ CFG(",'hooks':{'prestart':[{'path':'hook'}]}"),
	  E("hooks.prestart[0].path: must be an absolute path, got \"hook\"") },
	{ CFG(",'hooks':{'poststop':[{'path':'/h','timeout':0}]}"),
	  E("hooks.poststop[0].timeout: must be between 1 and 9223372036854775807, got 0") },
	/* RLIM_INFINITY is only for rlimits; a literal INT64_MIN is never valid */
	{ LNX("'resources':{'cpu':{'shares':18446744073709551615}}"),
	  E("linux.resources.cpu.shares: must be between 0 and 9223372036854775807, "
	    "got 18446744073709551615") },
	{ CFG(",'x':-9223372036854775808"),
	  E("the number -9223372036854775808 is out of range") },
	{ PROCOK(",'rlimits':[{'type':'RLIMIT_CORE','soft':18446744073709551614,'hard':1}]"),
	  "config.json: invalid JSON at line 1 column 171: too big integer near "
	  "'18446744073709551614'" },
	{ CFG(",'hooks':{'createRuntime':[{'args':['x']}]}"),
	  E("hooks.createRuntime[0].path: required field is missing") },
	/* namespaces and mappings */
	{ LNX("'namespaces':[{'type':'foo'}]"),
	  E("linux.namespaces[0].type: unknown namespace type \"foo\"") },
	{ LNX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'ipc'},{'type':'pid'}]"),
	  E("linux.namespaces[3].type: duplicate namespace \"pid\"") },
	{ LNX("'namespaces':[{'type':'network','path':'netns'}]"),
	  E("linux.namespaces[0].path: must be an absolute path, got \"netns\"") },
	{ LNX("'namespaces':[{'path':'/x'}]"),
	  E("linux.namespaces[0].type: required field is missing") },
	{ LNX("'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
	  E("linux.uidMappings: requires a new user namespace in linux.namespaces") },
	{ LNX("'namespaces':[{'type':'user'}]"),
	  E("linux.uidMappings: required when a new user namespace is requested") },
	{ LNX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1,'size':1}]"),
	  E("linux.gidMappings: required when a new user namespace is requested") },
	{ LNX("'uidMappings':[{'containerID':0,'hostID':4294967295,'size':2}]"),
	  E("linux.uidMappings[0]: range exceeds the 32-bit ID space") },
	{ LNX("'timeOffsets':{'monotonic':{'secs':1}}"),
	  E("linux.timeOffsets: requires a new time namespace in linux.namespaces") },
	{ LNX("'namespaces':[{'type':'time'}],'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
	  E("linux.timeOffsets.boottime.nanosecs: must be between 0 and 999999999, got "
	    "1000000000") },
	/* devices */
	{ LNX("'devices':[{'type':'x','path':'/dev/x','major':1,'minor':1}]"),
	  E("linux.devices[0].type: expected one of \"c\", \"b\", \"u\", \"p\", got \"x\"") },
	{ LNX("'devices':[{'type':'c','path':'dev/null','major':1,'minor':3}]"),
	  E("linux.devices[0].path: must be an absolute path, got \"dev/null\"") },
	{ LNX("'devices':[{'type':'c','path':'/dev/null','minor':3}]"),
	  E("linux.devices[0].major: required for type \"c\" devices") },
	{ LNX("'devices':[{'type':'b','path':'/dev/sda','major':4096,'minor':0}]"),
	  E("linux.devices[0].major: must be between 0 and 4095, got 4096") },
	{ LNX("'devices':[{'type':'c','path':'/dev/null','major':1,'minor':3,'fileMode':4096}]"),
	  E("linux.devices[0].fileMode: file type bits 010000 do not match type \"c\"") },
	{ LNX("'devices':[{'type':'b','path':'/dev/x','major':8,'minor':0,'fileMode':8630}]"),
	  E("linux.devices[0].fileMode: file type bits 020000 do not match type \"b\"") },
	{ LNX("'devices':[{'type':'c','path':'/dev/null','major':1,'minor':3,'fileMode':131072}]"),
	  E("linux.devices[0].fileMode: must be between 0 and 65535, got 131072") },
	/* resources */
	{ RES("'devices':[{'allow':true,'access':'rwx'}]"),
	  E("linux.resources.devices[0].access: expected a subset of \"rwm\", got \"rwx\"") },
	{ RES("'devices':[{'allow':true,'access':'rr'}]"),
	  E("linux.resources.devices[0].access: expected a subset of \"rwm\", got \"rr\"") },
	{ RES("'devices':[{'access':'r'}]"),
	  E("linux.resources.devices[0].allow: required field is missing") },
	{ RES("'devices':[{'allow':true,'type':'u'}]"),
	  E("linux.resources.devices[0].type: expected one of \"a\", \"c\", \"b\", got \"u\"") },
	{ RES("'memory':{'swappiness':101}"),
	  E("linux.resources.memory.swappiness: must be between 0 and 100, got 101") },
	{ RES("'memory':{'limit':-2}"),
	  E("linux.resources.memory.limit: must be between -1 and 9223372036854775807, got -2") },
	{ RES("'memory':{'limit':'1G'}"),
	  E("linux.resources.memory.limit: expected an integer, got \"1G\"") },
	{ RES("'memory':{'kernel':'1G'}"),
	  E("linux.resources.memory.kernel: expected an integer, got \"1G\"") },
	{ RES("'cpu':{'cpus':'0-'}"),
	  E("linux.resources.cpu.cpus: invalid CPU/node list \"0-\" (expected e.g. \"0-3,7\")") },
	{ RES("'cpu':{'shares':-5}"),
	  E("linux.resources.cpu.shares: expected a non-negative integer, got -5") },
	{ RES("'pids':{}"), E("linux.resources.pids.limit: required field is missing") },
	{ RES("'blockIO':{'weight':5}"),
	  E("linux.resources.blockIO.weight: must be between 10 and 1000, got 5") },
	{ RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
	  E("linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field is missing") },
	{ RES("'hugepageLimits':[{'pageSize':'2M','limit':1}]"),
	  E("linux.resources.hugepageLimits[0].pageSize: invalid page size \"2M\" (expected e.g. "
	    "\"2MB\")") },
	{ RES("'unified':{'../escape':'1'}"),
	  E("linux.resources.unified[\"../escape\"]: invalid cgroup file name") },
	{ RES("'unified':{'memory.high':5}"),
	  E("linux.resources.unified[\"memory.high\"]: expected a string, got 5") },
	{ RES("'network':{'classID':1}"),
	  E("linux.resources.network: not supported by hrun (net_cls/net_prio exist only in "
	    "cgroup v1)") },
	{ RES("'rdma':{'mlx5_1':{'hcaHandles':3}}"),
	  E("linux.resources.rdma: not supported by hrun (the rdma controller is not "
	    "implemented)") },
	/* sysctl */
	{ LNX("'sysctl':{'net.ipv4.ip_forward':1}"),
	  E("linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got 1") },
	{ LNX("'sysctl':{'net..x':'1'}"), E("linux.sysctl[\"net..x\"]: invalid sysctl name") },
	{ LNX("'sysctl':{'/etc/passwd':'1'}"),
	  E("linux.sysctl[\"/etc/passwd\"]: invalid sysctl name") },
	{ LNX("'sysctl':{'kernel.core_pattern':'|/x'},'namespaces':[{'type':'ipc'}]"),
	  E("linux.sysctl[\"kernel.core_pattern\"]: not namespaced (a host-wide kernel setting: "
	    "hrun never writes it)") },
	{ LNX("'sysctl':{'vm/swappiness':'1'}"), E("linux.sysctl[\"vm/swappiness\"]: not namespaced (a host-wide kernel setting: "
	    "hrun never writes it)") },
	{ LNX("'sysctl':{'kernel.shmmax':'1'},'namespaces':[{'type':'network'}]"),
	  E("linux.sysctl[\"kernel.shmmax\"]: not in a separate kernel namespace "
	    "(linux.namespaces has no ipc namespace)") },
	{ LNX("'sysctl':{'fs/mqueue/queues_max':'1'}"),
	  E("linux.sysctl[\"fs/mqueue/queues_max\"]: not in a separate kernel namespace "
	    "(linux.namespaces has no ipc namespace)") },
	{ LNX("'sysctl':{'net.ipv4.ping_group_range':'0 0'},'namespaces':[{'type':'ipc'}]"),
	  E("linux.sysctl[\"net.ipv4.ping_group_range\"]: not in a separate kernel namespace "
	    "(linux.namespaces has no network namespace)") },
	{ LNX("'sysctl':{'kernel.hostname':'x'}"), 
	  E("linux.sysctl[\"kernel.hostname\"]: not in a separate kernel namespace "
	    "(linux.namespaces has no uts namespace)") },
	/* seccomp */
	{ SCMP("'architectures':['SCMP_ARCH_X86_64']"),
	  E("linux.seccomp.defaultAction: required field is missing") },
	{ SCMP("'defaultAction':'SCMP_ACT_FOO'"),
	  E("linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"") },
	{ SCMP("'defaultAction':'SCMP_ACT_NOTIFY'"),
	  E("linux.seccomp.defaultAction: \"SCMP_ACT_NOTIFY\" is not supported by hrun (no "
	    "seccomp listener support)") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_Z80']"),
	  E("linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_Z80\"") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']"),
	  E("linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/sock'"),
	  E("linux.seccomp.listenerPath: not supported by hrun (SCMP_ACT_NOTIFY listeners are "
	    "not implemented)") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_LOG'}]"),
	  E("linux.seccomp.syscalls[0].names: must contain at least 1 element") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x']}]"),
	  E("linux.seccomp.syscalls[0].action: required field is missing") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],'action':'SCMP_ACT_TRAP',"
	       "'args':[{'index':0,'value':1,'op':'SCMP_CMP_FOO'}]}]"),
	  E("linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_FOO\"") },
	{ SCMP("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],'action':'SCMP_ACT_TRAP',"
	       "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
	  E("linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6") },
	{ SCMP("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':70000"),
	  E("linux.seccomp.defaultErrnoRet: must be between 0 and 65535, got 70000") },
	/* the rest of linux */
	{ LNX("'rootfsPropagation':'bogus'"),
	  E("linux.rootfsPropagation: unknown propagation \"bogus\"") },
	{ LNX("'maskedPaths':['/proc/kcore','proc/keys']"),
	  E("linux.maskedPaths[1]: must be an absolute path, got \"proc/keys\"") },
	{ LNX("'readonlyPaths':'/proc'"), E("linux.readonlyPaths: expected an array, got \"/proc\"") },
	{ LNX("'personality':{'domain':'LINUX64'}"),
	  E("linux.personality.domain: unknown personality domain \"LINUX64\"") },
	{ LNX("'personality':{'domain':'LINUX','flags':['ADDR_NO_RANDOMIZE']}"),
	  E("linux.personality.flags: unknown flag \"ADDR_NO_RANDOMIZE\" (the runtime-spec defines none)") },
	{ LNX("'intelRdt':{'closID':'x'}"),
	  E("linux.intelRdt: not supported by hrun (Intel RDT is not implemented)") },
	{ LNX("'memoryPolicy':{'mode':'MPOL_BIND'}"),
	  E("linux.memoryPolicy.nodes: required by this mode") },
	{ LNX("'netDevices':{'eth0':{}}"),
	  E("linux.netDevices: requires a network namespace in linux.namespaces (without one "
	    "the container shares the runtime's)") },
#define NETNS "'namespaces':[{'type':'network'}],"
	{ LNX(NETNS "'netDevices':{'eth0/x':{}}"),
	  E("linux.netDevices: invalid device name \"eth0/x\": contains '/', ':', white space "
	    "or a control character") },
	{ LNX(NETNS "'netDevices':{'..':{}}"),
	  E("linux.netDevices: invalid device name \"..\": `.` and `..` are not device names") },
	{ LNX(NETNS "'netDevices':{'':{}}"),
	  E("linux.netDevices: invalid device name \"\": empty") },
	{ LNX(NETNS "'netDevices':{'eth%d':{}}"),
	  E("linux.netDevices: invalid device name \"eth%d\": contains '%'") },
	{ LNX(NETNS "'netDevices':{'eth0':{'name':'a234567890123456'}}"),
	  E("linux.netDevices.eth0.name: invalid device name \"a234567890123456\": longer than "
	    "15 bytes (IFNAMSIZ)") },
	{ LNX(NETNS "'netDevices':{'eth0':{'name':'c%s'}}"),
	  E("linux.netDevices.eth0.name: invalid device name \"c%s\": a template takes one "
	    "\"%d\" and no other '%'") },
	{ LNX(NETNS "'netDevices':{'eth0':{'name':'a b'}}"),
	  E("linux.netDevices.eth0.name: invalid device name \"a b\": contains '/', ':', white "
	    "space or a control character") },
	{ LNX(NETNS "'netDevices':{'eth0':{'name':7}}"),
	  E("linux.netDevices.eth0.name: expected a string, got 7") },
	{ LNX(NETNS "'netDevices':{'eth0':[]}"),
	  E("linux.netDevices.eth0: expected an object, got an array") },
	{ LNX(NETNS "'netDevices':{'eth0':{'name':'c0'},'eth1':{'name':'c0'}}"),
	  E("linux.netDevices: `eth0` and `eth1` would both be named `c0` in the container") },
	{ LNX(NETNS "'netDevices':{'eth0':{},'eth1':{'name':'eth0'}}"),
	  E("linux.netDevices: `eth0` and `eth1` would both be named `eth0` in the container") },
	{ LNX(NETNS "'netDevices':[]"), E("linux.netDevices: expected an object, got an array") },
	{ CFG(",'linux':[]"), E("linux: expected an object, got an array") },
};

#define N_BAD_CASES (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void free_params(struct criterion_test_params *crp)
{
	cr_free(crp->params);
}

/* Criterion may run each parameter in a freshly exec'd worker (with a
 * different ASLR layout), so parameters are indices into bad_cases, not
 * pointers; the index array itself lives in criterion's shared memory. */
ParameterizedTestParameters(spec, bad_input)
{
	size_t *idx = cr_malloc(N_BAD_CASES * sizeof(*idx));

	for (size_t i = 0; i < N_BAD_CASES; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, N_BAD_CASES, free_params);
}

ParameterizedTest(size_t *i, spec, bad_input)
{
	const struct bad_case *bc = &bad_cases[*i];
	struct hrun_spec *s = NULL;
	char *j = json(bc->json);
	int r;

	hrun_err_clear();
	r = spec_parse("config.json", j, strlen(j), &s);
	cr_expect_eq(r, -EINVAL, "case %zu: r=%d for %s", *i, r, j);
	cr_expect_null(s);
	cr_expect_str_eq(hrun_errmsg(), bc->msg, "case %zu: input: %s", *i, j);
	cr_expect_null(strchr(hrun_errmsg(), '\n'));
	free(j);
	spec_free(s);
}

Test(spec, enough_bad_cases)
{
	cr_expect_geq(N_BAD_CASES, 30);
}

/* ------------------------------------------------------------------ */
/* standalone process / resources objects                              */

Test(spec, parse_process_ok)
{
	struct hrun_process p;
	char *j = json("{'user':{'uid':5,'gid':6},'args':['/bin/ls','-l'],'cwd':'/tmp',"
		       "'env':['X=1'],'terminal':false,'capabilities':{'bounding':['CAP_KILL']},"
		       "'noNewPrivileges':true}");

	memset(&p, 0xaa, sizeof(p));
	cr_assert_eq(spec_parse_process("process.json", j, strlen(j), &p), 0, "%s",
		     hrun_errmsg());
	cr_expect_eq(p.user.uid, 5);
	cr_expect_eq(p.user.gid, 6);
	cr_expect_str_eq(p.args[1], "-l");
	cr_expect_null(p.args[2]);
	cr_expect_str_eq(p.cwd, "/tmp");
	cr_expect_str_eq(p.env[0], "X=1");
	cr_expect_not(p.terminal);
	cr_expect(p.has_caps);
	cr_expect_eq(p.caps.bounding, CAPBIT(CAP_KILL));
	cr_expect(p.no_new_privileges);
	cr_expect_not(p.has_oom_score_adj);
	spec_process_clear(&p);
	cr_expect_null(p.args);
	cr_expect_null(p.cwd);
	free(j);
}

Test(spec, parse_process_errors)
{
	struct hrun_process p = { 0 };
	char *j = json("{'user':{'uid':0,'gid':0},'args':['sh'],'cwd':'relative'}");

	cr_expect_eq(spec_parse_process("process.json", j, strlen(j), &p), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "process.json: cwd: must be an absolute path, got \"relative\"");
	cr_expect_null(p.args); /* untouched */
	free(j);

	j = json("{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':0},'rlimits':[{'type':'RLIMIT_AS',"
		 "'soft':1,'hard':1},{'type':'RLIMIT_AS','soft':1,'hard':1}]}");
	cr_expect_eq(spec_parse_process("p.json", j, strlen(j), &p), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "p.json: rlimits[1].type: duplicate rlimit \"RLIMIT_AS\"");
	free(j);

	cr_expect_eq(spec_parse_process("p.json", "[]", 2, &p), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "p.json: expected a JSON object at the top level");
}

Test(spec, parse_resources_ok_and_errors)
{
	struct hrun_resources r;
	char *j = json("{'memory':{'limit':1048576,'swap':-1},'pids':{'limit':-1},"
		       "'cpu':{'quota':-1,'period':100000},'unified':{'cpu.weight':'100'}}");

	cr_assert_eq(spec_parse_resources("r.json", j, strlen(j), &r), 0, "%s", hrun_errmsg());
	cr_expect(r.has_mem_limit && r.mem_limit == 1048576);
	cr_expect(r.has_mem_swap && r.mem_swap == -1);
	cr_expect_not(r.has_mem_reservation);
	cr_expect(r.has_pids_limit && r.pids_limit == -1);
	cr_expect(r.has_cpu_quota && r.cpu_quota == -1);
	cr_expect(r.has_cpu_period && r.cpu_period == 100000);
	cr_expect_not(r.has_cpu_shares);
	cr_assert_eq(r.n_unified, 1);
	cr_expect_str_eq(r.unified[0].key, "cpu.weight");
	spec_resources_clear(&r);
	cr_expect_eq(r.n_unified, 0);
	cr_expect_null(r.unified);
	free(j);

	j = json("{'memory':{'limit':1},'blockIO':{'weightDevice':[{'major':8,'minor':0,"
		 "'weight':2000}]}}");
	cr_expect_eq(spec_parse_resources("r.json", j, strlen(j), &r), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(),
			 "r.json: blockIO.weightDevice[0].weight: must be between 10 and 1000, got 2000");
	free(j);
}

/* ------------------------------------------------------------------ */
/* spec_load                                                           */

static char *make_bundle(const char *content)
{
	char tmpl[] = "/tmp/hrun-spec-test-XXXXXX";
	char *dir = strdup(mkdtemp(tmpl));
	char path[PATH_MAX];
	FILE *f;

	cr_assert_not_null(dir);
	if (content) {
		snprintf(path, sizeof(path), "%s/config.json", dir);
		f = fopen(path, "we");
		cr_assert_not_null(f);
		fputs(content, f);
		fclose(f);
	}
	return dir;
}

static void remove_bundle(char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	free(dir);
}

Test(spec, load_ok)
{
	char *j = json(full_config);
	char *dir = make_bundle(j);
	struct hrun_spec *s = NULL;

	cr_assert_eq(spec_load(dir, &s), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(s->root_path, "rootfs");
	cr_expect_eq(s->linux_cfg.seccomp->n_syscalls, 4);
	spec_free(s);
	remove_bundle(dir);
	free(j);
}

Test(spec, load_missing_file)
{
	char *dir = make_bundle(NULL);
	struct hrun_spec *s = NULL;
	char want[PATH_MAX + 64];

	cr_expect_eq(spec_load(dir, &s), -ENOENT);
	snprintf(want, sizeof(want), "open `%s/config.json`: No such file or directory", dir);
	cr_expect_str_eq(hrun_errmsg(), want);
	cr_expect_null(s);
	remove_bundle(dir);
}

Test(spec, load_parse_error_names_config_json)
{
	char *dir = make_bundle("{\"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": 7}}");
	struct hrun_spec *s = NULL;

	cr_expect_eq(spec_load(dir, &s), -EINVAL);
	cr_expect_str_eq(hrun_errmsg(), "config.json: root.path: expected a string, got 7");
	remove_bundle(dir);
}

Test(spec, load_directory_is_refused)
{
	char *dir = make_bundle(NULL);
	char sub[PATH_MAX];
	struct hrun_spec *s = NULL;

	snprintf(sub, sizeof(sub), "%s/config.json", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_expect_lt(spec_load(dir, &s), 0);
	cr_expect_null(s);
	(void)rmdir(sub);
	remove_bundle(dir);
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

Test(spec, ns_names_and_flags)
{
	cr_expect_str_eq(spec_ns_name(HRUN_NS_USER), "user");
	cr_expect_str_eq(spec_ns_name(HRUN_NS_NET), "network");
	cr_expect_str_eq(spec_ns_name(HRUN_NS_MOUNT), "mount");
	cr_expect_str_eq(spec_ns_name(HRUN_NS_TIME), "time");
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_USER), CLONE_NEWUSER);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_MOUNT), CLONE_NEWNS);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_PID), CLONE_NEWPID);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_NET), CLONE_NEWNET);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_IPC), CLONE_NEWIPC);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_UTS), CLONE_NEWUTS);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_CGROUP), CLONE_NEWCGROUP);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_TIME), 0x80);
	cr_expect_eq(spec_ns_clone_flag(HRUN_NS_COUNT), 0);
}

/* engines send RLIM_INFINITY for --ulimit x=-1: exact, and only there;
 * the same digits inside a string stay untouched */
Test(spec, rlimit_infinity)
{
	struct hrun_spec *s = parse_ok(
		CFG(",'process':{'user':{'uid':0,'gid':0},'cwd':'/','args':['sh'],"
		    "'env':['A=18446744073709551615'],'rlimits':[{'type':'RLIMIT_CORE',"
		    "'soft':18446744073709551615,'hard':18446744073709551615},"
		    "{'type':'RLIMIT_NOFILE','soft':9223372036854775807,'hard':9223372036854775807}]}"));

	cr_assert_eq(s->process.n_rlimits, 2);
	cr_expect_eq(s->process.rlimits[0].soft, RLIM_INFINITY);
	cr_expect_eq(s->process.rlimits[0].hard, UINT64_MAX);
	cr_expect_eq(s->process.rlimits[1].soft, (uint64_t)INT64_MAX);
	cr_expect_str_eq(s->process.env[0], "A=18446744073709551615");
	spec_free(s);
}

Test(spec, hook_timeout_is_64_bit)
{
	struct hrun_spec *s = parse_ok(CFG(",'hooks':{'poststop':[{'path':'/h','timeout':4294967296}]}"));

	cr_expect_eq(s->hooks[HRUN_HOOK_POSTSTOP].hooks[0].timeout, INT64_C(4294967296));
	spec_free(s);
}

Test(spec, free_functions_accept_null)
{
	spec_free(NULL);
	strv_free(NULL);
	spec_process_clear(NULL);
	spec_resources_clear(NULL);
}
