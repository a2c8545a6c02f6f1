#!/usr/bin/env python3
"""fake-pve.py — a Proxmox VE API on 127.0.0.1 for the proxmox backend's
contract test (tests/integration/proxmox_contract.sh). Python 3 stdlib only.

It plays the documented contract of the calls lab makes (qemu-server
PVE/API2/Qemu.pm and PVE/API2/Qemu/Agent.pm, pve-manager PVE/API2/Tasks.pm):
HTTPS, the header `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`,
form-encoded parameters with unknown ones rejected (HTTP 400 and an
"errors" object), replies wrapped in {"data": ...}, power and snapshot
operations as tasks (a UPID) that are `running` for a while, then `stopped`
with an exitstatus, disk changes to a running VM kept in `pending` until the
VM is stopped and started, and the guest agent's exec / exec-status.

Safety net of the test: a request that would change a VM whose tags hold no
`lab-` tag is refused (HTTP 403) and logged as VIOLATION.

The guest is fake: each VM is a directory (DIR/vm/VMID/root) and agent exec
runs the argv there, never on this machine's own paths. Absolute paths the
guest uses (/var/lib/mysql, /var/log/mysql, /run, /etc) are mapped into the
VM's directory and any other absolute path is refused; the commands that
would act on the machine itself (systemctl, systemd-run, mariadb,
mariadb-install-db, mariadbd, kill, nft, pgrep, sync, install) are small
simulations here; cat, test, rm, find and dd run for real on the mapped
paths; anything else exits 127. No MariaDB is needed: the test checks the
backend's control flow, not the database.

  fake-pve.py --dir DIR --token TOKEN --cert CERT --key KEY --port-file FILE

DIR/vms.json (read at start): {"101": {"node": "pve1", "status": "stopped",
"config": {...}}}. DIR/state.json is rewritten after every change,
DIR/requests.log gets one line per request, DIR/control.json (optional, read
on every request) may hold {"task_seconds": {"qmreset": 30}}.
"""
import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
ARGS = None
VMS = {}
TASKS = {}
EXECS = {}
NEXT = {"pid": 1000, "task": 1}

GUEST_DIRS = ("/var/lib/mysql", "/var/log/mysql", "/run", "/etc")
REAL_COMMANDS = {"cat", "test", "rm", "find", "dd"}
DISK_RE = re.compile(r"^(scsi|virtio|sata|ide)\d+$")
SNAP_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_\-]{0,39}$")
TOKEN_RE = re.compile(r"^PVEAPIToken=[^@\s]+@[^!\s]+![^=\s]+=\S+$")


class ApiError(Exception):
    def __init__(self, code, message, errors=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors


def log(line):
    with open(os.path.join(ARGS.dir, "requests.log"), "a") as f:
        f.write(line + "\n")


def control():
    try:
        with open(os.path.join(ARGS.dir, "control.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_state():
    state = {vmid: {k: v for k, v in vm.items() if k != "snapshots"} for vmid, vm in VMS.items()}
    for vmid, vm in VMS.items():
        state[vmid]["snapshots"] = sorted(vm["snapshots"])
    tmp = os.path.join(ARGS.dir, "state.json.tmp")
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(ARGS.dir, "state.json"))


def root_of(vmid):
    return os.path.join(ARGS.dir, "vm", vmid, "root")


def digest(config):
    return hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()


def check_params(params, allowed, required=()):
    errors = {k: "property is not defined in schema and the schema does not allow additional properties"
              for k in params if k not in allowed}
    for k in required:
        if k not in params:
            errors[k] = "property is missing and it is not optional"
    if errors:
        raise ApiError(400, "Parameter verification failed.", errors)


def one(params, key):
    v = params.get(key)
    if v is None:
        return None
    if len(v) != 1:
        raise ApiError(400, "Parameter verification failed.", {key: "got an array, expected a single value"})
    return v[0]


def need_tag(vmid):
    tags = VMS[vmid]["config"].get("tags", "")
    if not any(t.startswith("lab-") for t in re.split(r"[;,\s]+", tags) if t):
        log("VIOLATION change requested on untagged VM %s" % vmid)
        raise ApiError(403, "fake-pve: VM %s carries no lab- tag" % vmid)


# ---- the guest ----

def guest_path(root, p):
    if not p.startswith("/"):
        return p
    norm = os.path.normpath(p)
    for d in GUEST_DIRS:
        if norm == d or norm.startswith(d + "/"):
            return root + norm
    raise PermissionError(p)


def map_arg(root, a):
    if a.startswith("/"):
        return guest_path(root, a)
    m = re.match(r"^([a-z\-]+=)(/.*)$", a)
    if m:
        return m.group(1) + guest_path(root, m.group(2))
    return a


def guest_run(vmid, argv, stdin):
    """Run argv in VM vmid's fake guest: (exitcode, out, err)."""
    root = root_of(vmid)
    pidfile = os.path.join(root, "run", "lab-mariadbd.pid")
    if argv[:1] == ["runuser"] and "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        return 127, "", "fake guest: empty command\n"
    cmd = argv[0]
    try:
        if cmd in REAL_COMMANDS:
            mapped = [map_arg(root, a) for a in argv]
            exe = "/usr/bin/" + cmd if os.path.exists("/usr/bin/" + cmd) else "/bin/" + cmd
            p = subprocess.run([cmd] + mapped[1:], executable=exe,
                               input=(stdin or "").encode(), capture_output=True, cwd=root, timeout=60,
                               env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
            return (p.returncode, p.stdout.decode(errors="replace").replace(root, ""),
                    p.stderr.decode(errors="replace").replace(root, ""))
        if cmd == "systemctl":
            if argv[1:2] == ["show"]:
                return 0, (open(pidfile).read() if os.path.exists(pidfile) else "0") + "\n", ""
            if argv[1:2] in (["stop"], ["kill"]):
                if os.path.exists(pidfile):
                    os.unlink(pidfile)
                return 0, "", ""
            if argv[1:2] == ["reset-failed"]:
                return 0, "", ""
            return 1, "", "fake guest: systemctl %s not simulated\n" % " ".join(argv[1:])
        if cmd == "systemd-run":
            if "/usr/sbin/mariadbd" not in argv:
                return 1, "", "fake guest: systemd-run runs only mariadbd here\n"
            with open(pidfile, "w") as f:
                f.write(str(4000 + int(vmid)))
            with open(os.path.join(root, "run", "lab-mariadbd.argv"), "w") as f:
                f.write("\n".join(argv) + "\n")
            return 0, "", ""
        if cmd == "/usr/sbin/mariadbd":
            if argv[1:] == ["--version"]:
                # what Debian 12's mariadbd says: lab reads the node's dialect from it
                return 0, "/usr/sbin/mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)\n", ""
            return 0, "fake mariadbd: one-shot run\n", ""
        if cmd == "mariadb":
            if os.path.exists(pidfile):
                return 0, "1\n1\n", ""
            return 1, "", "ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n"
        if cmd == "mariadb-install-db":
            os.makedirs(os.path.join(root, "var/lib/mysql/mysql"), exist_ok=True)
            return 0, "Installing MariaDB system tables (fake)\n", ""
        if cmd == "kill":
            pid = argv[-1]
            if os.path.exists(pidfile) and open(pidfile).read() == pid:
                if argv[1] in ("-9", "-15"):
                    os.unlink(pidfile)
                return 0, "", ""
            return 1, "", "kill: (%s) - No such process\n" % pid
        if cmd == "nft":
            if argv[1:] != ["-f", "-"]:
                return 1, "", "fake guest: nft takes '-f -' only\n"
            with open(os.path.join(root, "etc", "nftables-lab.rules"), "w") as f:
                f.write(stdin or "")
            return 0, "", ""
        if cmd == "pgrep":
            return 1, "", ""
        if cmd == "sync":
            return 0, "", ""
        if cmd == "install":
            dirs = [a for a in argv[1:] if a.startswith("/")]
            for d in dirs:
                os.makedirs(guest_path(root, d), exist_ok=True)
            return 0, "", ""
    except PermissionError as e:
        return 126, "", "fake guest: path '%s' is outside the guest's directories\n" % e
    except subprocess.TimeoutExpired:
        return 124, "", "fake guest: timed out\n"
    return 127, "", "fake guest: %s: command not found\n" % cmd


def exec_thread(vmid, pid, argv, stdin):
    code, out, err = guest_run(vmid, argv, stdin)
    with LOCK:
        EXECS[pid].update(exited=1, exitcode=code, out=out, err=err)


# ---- tasks ----

def new_task(node, vmid, kind, work):
    with LOCK:
        n = NEXT["task"]
        NEXT["task"] += 1
    upid = "UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (node, 50000 + n, n, int(time.time()), kind, vmid, ARGS.user)
    TASKS[upid] = {"status": "running", "node": node}
    seconds = float(control().get("task_seconds", {}).get(kind, 0.3))

    def run():
        time.sleep(seconds)
        with LOCK:
            try:
                work()
                TASKS[upid].update(status="stopped", exitstatus="OK")
            except ApiError as e:
                TASKS[upid].update(status="stopped", exitstatus=e.message)
            save_state()
    threading.Thread(target=run, daemon=True).start()
    return upid


def power_cut(vmid):
    """What any stop or reset does to the guest: processes and tmpfs gone."""
    root = root_of(vmid)
    for f in ("run/lab-mariadbd.pid", "etc/nftables-lab.rules"):
        try:
            os.unlink(os.path.join(root, f))
        except FileNotFoundError:
            pass


def vm_start(vmid):
    vm = VMS[vmid]
    if vm["status"] == "running":
        raise ApiError(500, "VM %s already running" % vmid)
    vm["config"].update(vm["pending"])  # pending changes apply at start
    vm["pending"] = {}
    vm["status"] = "running"
    vm["booted_at"] = time.time()
    power_cut(vmid)


def vm_stop(vmid):
    VMS[vmid]["status"] = "stopped"
    power_cut(vmid)


def vm_reset(vmid):
    if VMS[vmid]["status"] != "running":
        raise ApiError(500, "VM %s not running" % vmid)
    VMS[vmid]["booted_at"] = time.time()
    power_cut(vmid)


# ---- the API ----

def agent_ready(vmid):
    vm = VMS[vmid]
    if vm["status"] != "running":
        raise ApiError(500, "VM %s is not running" % vmid)
    if time.time() - vm.get("booted_at", 0) < 0.5:
        raise ApiError(500, "VM %s qga command 'guest-ping' failed - got timeout" % vmid)


def handle(method, path, params):
    m = re.match(r"^/api2/json(/.*)$", path)
    if not m:
        raise ApiError(404, "not an API path")
    path = m.group(1)
    if path == "/version" and method == "GET":
        check_params(params, ())
        return {"version": "8.2.4", "release": "8.2", "repoid": "fake-pve"}
    m = re.match(r"^/nodes/([^/]+)/tasks/([^/]+)/status$", path)
    if m and method == "GET":
        check_params(params, ())
        task = TASKS.get(m.group(2))
        if not task or task["node"] != m.group(1):
            raise ApiError(500, "no such task")
        out = {"upid": m.group(2), "node": task["node"], "status": task["status"]}
        if task["status"] == "stopped":
            out["exitstatus"] = task["exitstatus"]
        return out
    m = re.match(r"^/nodes/([^/]+)/qemu/(\d+)(/.*)?$", path)
    if not m:
        raise ApiError(501, "Method '%s %s' not implemented" % (method, path))
    node, vmid, rest = m.group(1), m.group(2), m.group(3) or ""
    if vmid not in VMS or VMS[vmid]["node"] != node:
        raise ApiError(500, "Configuration file 'nodes/%s/qemu-server/%s.conf' does not exist" % (node, vmid))
    vm = VMS[vmid]
    if method != "GET":
        need_tag(vmid)
    key = (method, rest)
    if key == ("GET", "/config"):
        check_params(params, ("current", "snapshot"))
        return dict(vm["config"], digest=digest(vm["config"]))
    if key == ("PUT", "/config"):
        allowed = [k for k in params if DISK_RE.match(k)] + ["digest", "tags"]
        check_params(params, allowed)
        d = one(params, "digest")
        if d is not None and d != digest(vm["config"]):
            raise ApiError(500, "detected modified configuration - file changed by other user? Try again.")
        for k in params:
            if k == "digest":
                continue
            v = one(params, k)
            if DISK_RE.match(k) and vm["status"] == "running":
                vm["pending"][k] = v  # not hot-pluggable: pending until stop/start
            else:
                vm["config"][k] = v
        save_state()
        return None
    if key == ("GET", "/pending"):
        check_params(params, ())
        out = []
        for k in sorted(set(vm["config"]) | set(vm["pending"])):
            e = {"key": k}
            if k in vm["config"]:
                e["value"] = vm["config"][k]
            if k in vm["pending"]:
                e["pending"] = vm["pending"][k]
            out.append(e)
        return out
    if key == ("GET", "/status/current"):
        check_params(params, ())
        return {"vmid": int(vmid), "status": vm["status"], "name": vm["config"].get("name", ""),
                "qmpstatus": vm["status"], "agent": 1}
    m = re.match(r"^/status/(start|stop|reset|shutdown)$", rest)
    if m and method == "POST":
        op = m.group(1)
        check_params(params, {"shutdown": ("timeout", "forceStop")}.get(op, ()))
        work = {"start": vm_start, "stop": vm_stop, "reset": vm_reset, "shutdown": vm_stop}[op]
        return new_task(node, vmid, "qm" + op, lambda: work(vmid))
    if key == ("GET", "/snapshot"):
        check_params(params, ())
        return [{"name": n, "description": s["description"], "snaptime": s["snaptime"]}
                for n, s in sorted(vm["snapshots"].items())] + [{"name": "current", "running": int(vm["status"] == "running")}]
    if key == ("POST", "/snapshot"):
        check_params(params, ("snapname", "description", "vmstate"), ("snapname",))
        name = one(params, "snapname")
        if not SNAP_RE.match(name):
            raise ApiError(400, "Parameter verification failed.", {"snapname": "invalid format - invalid configuration ID '%s'" % name})

        def snap():
            if name in vm["snapshots"]:
                raise ApiError(500, "snapshot name '%s' already used" % name)
            dest = os.path.join(ARGS.dir, "vm", vmid, "snap", name)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(root_of(vmid), dest, symlinks=True)
            vm["snapshots"][name] = {"description": one(params, "description") or "", "snaptime": int(time.time()),
                                     "config": copy.deepcopy(vm["config"])}
        return new_task(node, vmid, "qmsnapshot", snap)
    m = re.match(r"^/snapshot/([^/]+)(/rollback)?$", rest)
    if m and method in ("DELETE", "POST") and (method == "POST") == bool(m.group(2)):
        name = m.group(1)
        check_params(params, ("force",) if method == "DELETE" else ("start",))
        if name not in vm["snapshots"]:
            raise ApiError(500, "snapshot '%s' does not exist" % name)
        dest = os.path.join(ARGS.dir, "vm", vmid, "snap", name)
        if method == "DELETE":
            def delete():
                shutil.rmtree(dest, ignore_errors=True)
                del vm["snapshots"][name]
            return new_task(node, vmid, "qmdelsnapshot", delete)

        def rollback():
            vm_stop(vmid)
            shutil.rmtree(root_of(vmid))
            shutil.copytree(dest, root_of(vmid), symlinks=True)
            vm["config"] = copy.deepcopy(vm["snapshots"][name]["config"])
            vm["pending"] = {}
        return new_task(node, vmid, "qmrollback", rollback)
    if key == ("POST", "/agent/ping"):
        check_params(params, ())
        agent_ready(vmid)
        return {"result": {}}
    if key == ("GET", "/agent/network-get-interfaces"):
        check_params(params, ())
        agent_ready(vmid)
        return {"result": [
            {"name": "lo", "hardware-address": "00:00:00:00:00:00",
             "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}]},
            {"name": "eth0", "hardware-address": "bc:24:11:00:00:%02x" % (int(vmid) % 256),
             "ip-addresses": [{"ip-address-type": "ipv6", "ip-address": "fe80::1", "prefix": 64},
                              {"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}]}]}
    if key == ("POST", "/agent/exec"):
        check_params(params, ("command", "input-data"), ("command",))
        agent_ready(vmid)
        stdin = one(params, "input-data")
        if stdin is not None and len(stdin) > 65536:
            raise ApiError(400, "Parameter verification failed.", {"input-data": "value may only be 65536 characters long"})
        with LOCK:
            pid = NEXT["pid"]
            NEXT["pid"] += 1
        EXECS[pid] = {"vmid": vmid, "exited": 0}
        log("EXEC %s %s" % (vmid, json.dumps(params["command"])))
        threading.Thread(target=exec_thread, args=(vmid, pid, params["command"], stdin), daemon=True).start()
        return {"pid": pid}
    if key == ("GET", "/agent/exec-status"):
        check_params(params, ("pid",), ("pid",))
        agent_ready(vmid)
        e = EXECS.get(int(one(params, "pid")))
        if not e or e["vmid"] != vmid:
            raise ApiError(500, "Agent error: Invalid parameter 'pid'")
        if not e["exited"]:
            return {"exited": 0}
        out = {"exited": 1, "exitcode": e["exitcode"]}
        if e["out"]:
            out["out-data"] = e["out"]
        if e["err"]:
            out["err-data"] = e["err"]
        return out
    raise ApiError(501, "Method '%s /nodes/%s/qemu/%s%s' not implemented" % (method, node, vmid, rest))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, reason, obj):
        body = json.dumps(obj).encode()
        self.send_response(code, reason)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve(self):
        url = urllib.parse.urlsplit(self.path)
        url = url._replace(path=urllib.parse.unquote(url.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if self.command in ("GET", "DELETE"):
            raw = url.query
        params = urllib.parse.parse_qs(raw, keep_blank_values=True)
        auth = self.headers.get("Authorization", "")
        if not TOKEN_RE.match(auth):
            log("AUTH-FAIL %s %s (malformed header)" % (self.command, url.path))
            return self.reply(401, "No ticket", {"data": None})
        if auth != "PVEAPIToken=" + ARGS.token:
            log("AUTH-FAIL %s %s (wrong token)" % (self.command, url.path))
            return self.reply(401, "invalid token value!", {"data": None})
        try:
            with LOCK:
                data = handle(self.command, url.path, params)
            log("%s %s %s 200" % (self.command, url.path, ",".join(sorted(params))))
            self.reply(200, "OK", {"data": data})
        except ApiError as e:
            log("%s %s %s %d %s" % (self.command, url.path, ",".join(sorted(params)), e.code, e.message))
            obj = {"data": None, "message": e.message + "\n"}
            if e.errors:
                obj["errors"] = e.errors
            self.reply(e.code, e.message, obj)

    do_GET = do_POST = do_PUT = do_DELETE = serve


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--token", required=True, help="USER@REALM!TOKENID=SECRET")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ARGS = ap.parse_args()
    ARGS.dir = os.path.abspath(ARGS.dir)
    ARGS.user = ARGS.token.split("=", 1)[0]
    with open(os.path.join(ARGS.dir, "vms.json")) as f:
        for vmid, vm in json.load(f).items():
            VMS[vmid] = {"node": vm["node"], "status": vm.get("status", "stopped"), "config": vm["config"],
                         "pending": {}, "snapshots": {}, "booted_at": 0}
            for d in ("var/lib/mysql", "var/log/mysql", "run/mysqld", "etc"):
                os.makedirs(os.path.join(root_of(vmid), d), exist_ok=True)
    save_state()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
