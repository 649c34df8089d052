#!/usr/bin/python3
"""client.py: a minimal CRI (runtime.v1) client driving containerd's CRI plugin
through the pod scenarios of tests/engines/cri.sh, for ONE runtime handler.

  client.py --gen DIR --sock SOCK --handler NAME --image IMG --tag TAG
            --logs DIR --cgroup-parent PATH

DIR holds api_pb2*.py (grpc_tools.protoc output of api.proto). Output, one
line each (cri.sh turns them into TAP and the hrun/runc table):
  RESULT <key> <PASS|FAIL|SKIP> <description>     a scenario's outcome
  ID <pod|ctr> <id>                               for the leftover checks
  # text                                          diagnostics
Exit status 0 unless the client itself broke (a failed scenario is a FAIL
line, not an exception)."""
import argparse
import os
import sys
import time

ARGS = None
RT = None
IMG = None
pb = None
grpc = None


def diag(*lines):
    for text in lines:
        for line in str(text).splitlines() or [""]:
            print("#   " + line, flush=True)


def result(key, ok, desc, detail=None):
    print("RESULT %s %s %s" % (key, "PASS" if ok else "FAIL", desc), flush=True)
    if not ok and detail is not None:
        diag(detail)
    return ok


def skip(key, desc, why):
    print("RESULT %s SKIP %s :: %s" % (key, desc, why), flush=True)


def rpc_err(e):
    if isinstance(e, grpc.RpcError):
        return "%s: %s" % (e.code().name, e.details())
    return repr(e)


# --- pods and containers -----------------------------------------------------

def pod_config(name, pid_mode):
    ns = pb.NamespaceOption(network=pb.POD, pid=pid_mode, ipc=pb.POD)
    logdir = os.path.join(ARGS.logs, name)
    os.makedirs(logdir, exist_ok=True)
    return pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, uid="%s-%s" % (ARGS.tag, name),
                                       namespace="hrun-test", attempt=0),
        hostname=name, log_directory=logdir,
        labels={"hrun-test": ARGS.tag},
        linux=pb.LinuxPodSandboxConfig(
            cgroup_parent="%s/%s" % (ARGS.cgroup_parent, name),
            security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns)))


def run_pod(name, pid_mode):
    cfg = pod_config(name, pid_mode)
    r = RT.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg, runtime_handler=ARGS.handler),
                         timeout=120)
    print("ID pod %s" % r.pod_sandbox_id, flush=True)
    return r.pod_sandbox_id, cfg


def create_start(pod_id, pod_cfg, name, script, pid_mode):
    ns = pb.NamespaceOption(network=pb.POD, pid=pid_mode, ipc=pb.POD)
    cfg = pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name, attempt=0),
        image=pb.ImageSpec(image=ARGS.image),
        command=["/bin/sh", "-c", script, "%s-%s" % (ARGS.tag, name)],
        envs=[pb.KeyValue(key="HRUN_CRI_TAG", value=ARGS.tag)],
        log_path="%s.log" % name,
        linux=pb.LinuxContainerConfig(
            security_context=pb.LinuxContainerSecurityContext(namespace_options=ns)))
    r = RT.CreateContainer(pb.CreateContainerRequest(pod_sandbox_id=pod_id, config=cfg,
                                                     sandbox_config=pod_cfg), timeout=120)
    print("ID ctr %s" % r.container_id, flush=True)
    RT.StartContainer(pb.StartContainerRequest(container_id=r.container_id), timeout=120)
    return r.container_id


def exec_sync(cid, cmd, timeout=20):
    r = RT.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout),
                    timeout=timeout + 30)
    return r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), r.exit_code


def ctr_status(cid):
    return RT.ContainerStatus(pb.ContainerStatusRequest(container_id=cid), timeout=30).status


def pod_info(pod_id):
    r = RT.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=True),
                            timeout=30)
    return r.status, r.info


def wait_state(cid, state, secs=20):
    end = time.time() + secs
    st = ctr_status(cid)
    while st.state != state and time.time() < end:
        time.sleep(0.2)
        st = ctr_status(cid)
    return st


def teardown(pod_id, cids):
    """StopContainer + RemoveContainer for each, StopPodSandbox, RemovePodSandbox:
    the order kubelet uses. Returns the first error text, or None."""
    err = None
    for cid in cids:
        try:
            RT.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=2), timeout=60)
            RT.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
        except Exception as e:  # keep going: the pod removal below still runs
            err = err or "container %s: %s" % (cid[:12], rpc_err(e))
    try:
        RT.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod_id), timeout=60)
        RT.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id), timeout=60)
    except Exception as e:
        err = err or "pod %s: %s" % (pod_id[:12], rpc_err(e))
    return err


# --- scenarios ---------------------------------------------------------------

def scenario_pod():
    """RunPodSandbox: the sandbox is READY, names the handler and has the CNI's IP."""
    pod_id, cfg = run_pod("net", pb.CONTAINER)
    st, info = pod_info(pod_id)
    ok = (st.state == pb.SANDBOX_READY and st.runtime_handler == ARGS.handler and
          st.network.ip == "10.250.0.2")
    result("runpod", ok, "RunPodSandbox (runtime_handler %s): READY, handler and CNI IP in "
           "PodSandboxStatus" % ARGS.handler,
           "state %s handler [%s] ip [%s]" % (st.state, st.runtime_handler, st.network.ip))
    if ARGS.cpu_filtered:
        skip("cpushares2", "the sandbox's default cpu.shares 2 is applied",
             "no cpu controller in this host's cgroup v2: hrun refuses cpu.shares "
             "(cpurefused) and this handler's filter deleted it")
    else:
        got = sandbox_cpu(pod_pid(info))
        result("cpushares2", got in (("cpu.shares", "2"), ("cpu.weight", "1")),
               "the sandbox's default cpu.shares 2 is applied (v1 cpu.shares 2 or v2 "
               "cpu.weight 1)", "sandbox cgroup: %s" % (got,))
    return pod_id, cfg, info


def sandbox_cpu(pid):
    """(file, value) of the cpu weight of process pid's cgroup, v1 or v2."""
    v2 = "/sys/fs/cgroup"
    if not os.path.exists(v2 + "/cgroup.controllers"):
        v2 = "/sys/fs/cgroup/unified"
    with open("/proc/%s/cgroup" % pid) as f:
        lines = [ln.rstrip("\n").split(":", 2) for ln in f]
    for hid, ctrls, path in lines:
        if "cpu" in ctrls.split(","):
            for base in ("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"):
                if os.path.exists(base + path + "/cpu.shares"):
                    with open(base + path + "/cpu.shares") as f:
                        return ("cpu.shares", f.read().strip())
    for hid, ctrls, path in lines:
        if hid == "0" and os.path.exists(v2 + path + "/cpu.weight"):
            with open(v2 + path + "/cpu.weight") as f:
                return ("cpu.weight", f.read().strip())
    return None


def scenario_net(pod_id, cfg, info):
    cids = []
    try:
        srv = create_start(pod_id, cfg, "server",
                           "echo pong-from-server >/tmp/ping; "
                           "exec httpd -f -p 127.0.0.1:8080 -h /tmp", pb.CONTAINER)
        cids.append(srv)
        cli = create_start(pod_id, cfg, "client", "exec sleep 3600", pb.CONTAINER)
        cids.append(cli)
        out = ""
        for _ in range(50):
            out, err, rc = exec_sync(cli, ["wget", "-qO-", "http://127.0.0.1:8080/ping"])
            if rc == 0:
                break
            time.sleep(0.2)
        result("localhost", out.strip() == "pong-from-server",
               "two containers of the pod talk over 127.0.0.1:8080 (httpd / wget)",
               "wget: [%s] [%s] rc %d" % (out, err, rc))

        nsl = {}
        for name, cid in (("server", srv), ("client", cli)):
            o, _, _ = exec_sync(cid, ["sh", "-c", "for n in ipc net pid; do "
                                      "readlink /proc/self/ns/$n; done"])
            nsl[name] = o.split()
        pause_pid = pod_pid(info)
        pause = [os.readlink("/proc/%s/ns/%s" % (pause_pid, n)) for n in ("ipc", "net", "pid")]
        host = [os.readlink("/proc/self/ns/%s" % n) for n in ("ipc", "net")]
        s, c = nsl["server"], nsl["client"]
        ok = (len(s) == 3 and len(c) == 3 and s[0] == c[0] == pause[0] and
              s[1] == c[1] == pause[1] and s[0] != host[0] and s[1] != host[1])
        result("ipcnet", ok, "both containers are in the pod's IPC and network namespaces "
               "(ns inodes = the sandbox's, not the host's)",
               "server %s client %s sandbox %s host %s" % (s, c, pause, host))
        ok = len(s) == 3 and s[2] != c[2] and s[2] != pause[2]
        result("pidctr", ok, "pid namespace CONTAINER: each container has its own",
               "server %s client %s sandbox %s" % (s, c, pause))
        o, _, _ = exec_sync(cli, ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"])
        result("pidctr-iso", "httpd" not in o and "2147483647" not in o,
               "pid namespace CONTAINER: the client does not see the server's or the "
               "sandbox's processes", o)

        o, e, rc = exec_sync(cli, ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"])
        result("execsync", (o, e, rc) == ("to-out\n", "to-err\n", 3),
               "ExecSync: stdout, stderr and exit code 3 come back", repr((o, e, rc)))

        t0 = time.time()
        err = None
        try:
            exec_sync(cli, ["sleep", "60"], timeout=2)
        except Exception as ex:
            err = rpc_err(ex)
        took = time.time() - t0
        ok = err is not None and "timeout" in err and took < 12
        result("exectimeout", ok, "ExecSync timeout 2 s on sleep 60: a timeout error after "
               "%.1f s" % took, "error: %s" % err)
        st = ctr_status(cli)
        o, _, rc = exec_sync(cli, ["sh", "-c", "echo alive; cat /proc/[0-9]*/cmdline | "
                                   "tr '\\0' ' '"])
        ok = st.state == pb.CONTAINER_RUNNING and rc == 0 and o.startswith("alive") and \
            "sleep 60" not in o
        result("exectimeout-after", ok, "... the container keeps running and the timed-out "
               "exec process is gone", "state %s rc %d out [%s]" % (st.state, rc, o))

        lg = create_start(pod_id, cfg, "logger",
                          "echo hello-log-out; echo hello-log-err >&2; exit 3", pb.CONTAINER)
        cids.append(lg)
        st = wait_state(lg, pb.CONTAINER_EXITED)
        text = ""
        try:
            with open(st.log_path) as f:
                text = f.read()
        except OSError as ex:
            text = "(%s)" % ex
        lines = [ln.split(" ", 1)[1] if " " in ln else ln for ln in text.splitlines()]
        ok = (st.state == pb.CONTAINER_EXITED and st.exit_code == 3 and
              "stdout F hello-log-out" in lines and "stderr F hello-log-err" in lines and
              st.log_path == os.path.join(cfg.log_directory, "logger.log"))
        result("logs", ok, "container logs: the CRI log file under the pod's log_directory "
               "has the stdout and stderr lines; exit code 3 in ContainerStatus",
               "state %s exit %d path %s log:\n%s" % (st.state, st.exit_code, st.log_path,
                                                      text))
    finally:
        err = teardown(pod_id, cids)
    result("teardown", err is None, "StopContainer, RemoveContainer, StopPodSandbox, "
           "RemovePodSandbox succeed", err)
    gone(pod_id)


def pod_pid(info):
    import json
    return json.loads(info["info"])["pid"]


def gone(pod_id):
    try:
        pod_info(pod_id)
        result("removed", False, "the removed pod is NotFound", "PodSandboxStatus still answers")
    except grpc.RpcError as e:
        result("removed", e.code() == grpc.StatusCode.NOT_FOUND, "the removed pod is NotFound",
               rpc_err(e))


def scenario_pidpod():
    pod_id, cfg = run_pod("pidpod", pb.POD)
    cids = []
    try:
        a = create_start(pod_id, cfg, "a", "exec sleep 3601", pb.POD)
        cids.append(a)
        b = create_start(pod_id, cfg, "b", "exec sleep 3602", pb.POD)
        cids.append(b)
        o, e, rc = exec_sync(b, ["sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; "
                                 "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"])
        first = o.split("\n", 1)[0]
        ok = rc == 0 and "sleep 3601" in o and first.strip().endswith("sleep 2147483647")
        result("sharepid", ok, "shareProcessNamespace (pid POD): container b sees a's "
               "sleep 3601, and pid 1 is the sandbox's pause", "rc %d out [%s] [%s]" % (rc, o, e))
    finally:
        err = teardown(pod_id, cids)
    if err:
        diag("pidpod teardown: " + err)


def scenario_badhandler():
    try:
        r = RT.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_config("bad", pb.CONTAINER),
                                                     runtime_handler="no-such-handler"),
                             timeout=60)
        print("ID pod %s" % r.pod_sandbox_id, flush=True)
        teardown(r.pod_sandbox_id, [])
        result("badhandler", False, "an unknown runtime_handler is refused", "it was accepted")
    except grpc.RpcError as e:
        result("badhandler", "no-such-handler" in (e.details() or ""),
               "an unknown runtime_handler is refused", rpc_err(e))


def scenario_refused_cpu():
    """Without a cgroup v2 cpu controller, the sandbox's cpu.shares is refused
    with one line naming the field (never silently dropped)."""
    try:
        r = RT.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_config("cpu", pb.CONTAINER),
                                                     runtime_handler=ARGS.handler),
                             timeout=120)
        print("ID pod %s" % r.pod_sandbox_id, flush=True)
        teardown(r.pod_sandbox_id, [])
        result("cpurefused", False, "no v2 cpu controller: the sandbox's cpu.shares is "
               "refused", "RunPodSandbox succeeded")
    except grpc.RpcError as e:
        result("cpurefused", "linux.resources.cpu.shares" in (e.details() or ""),
               "no v2 cpu controller: RunPodSandbox fails, naming linux.resources.cpu.shares",
               rpc_err(e))
    return 0


def main():
    global ARGS, RT, IMG, pb, grpc
    ap = argparse.ArgumentParser()
    for a in ("gen", "sock", "handler", "image", "tag", "logs", "cgroup-parent"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--cpu-filtered", action="store_true")
    ARGS = ap.parse_args()
    sys.path.insert(0, ARGS.gen)
    import grpc as g
    import api_pb2
    import api_pb2_grpc
    grpc, pb = g, api_pb2
    ch = grpc.insecure_channel("unix://" + ARGS.sock)
    RT = api_pb2_grpc.RuntimeServiceStub(ch)
    IMG = api_pb2_grpc.ImageServiceStub(ch)
    v = RT.Version(pb.VersionRequest(version="v1"), timeout=30)
    diag("CRI %s %s, API %s" % (v.runtime_name, v.runtime_version, v.runtime_api_version))
    im = IMG.ImageStatus(pb.ImageStatusRequest(image=pb.ImageSpec(image=ARGS.image)),
                         timeout=30).image
    if not im.id:
        print("Bail out! image %s not in the CRI image store" % ARGS.image, flush=True)
        return 1
    if ARGS.only == "refused-cpu":
        return scenario_refused_cpu()
    steps = [("runpod", scenario_pod), ("sharepid", scenario_pidpod),
             ("badhandler", scenario_badhandler)]
    for key, fn in steps:
        try:
            r = fn()
            if key == "runpod":
                scenario_net(*r)
        except Exception as e:
            result(key + "-error", False, "scenario %s ran to its end" % key, rpc_err(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
