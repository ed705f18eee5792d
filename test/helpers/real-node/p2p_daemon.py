"""Stand-in P2P daemon for the real-node test fixture (test/helpers/real-node.ts).

Installed as ~/ringrift/ai-service/app/distributed/p2p_daemon.py and started the runbook's
way (§4.1): `cd ~/ringrift/ai-service && nohup python -m app.distributed.p2p_daemon > logs/p2p.log 2>&1 &`.
It serves GET /status and GET /health with the seed's fields (§3.1) on the node's address and on
localhost. Its view of the leader and the peers comes from the simulator's control API, so the
procedures' "rejoined" checks compare it with the simulated majority.

Behaviour switches are files the test writes under data/ (read at start-up):
  wedge-next-start  this start reports status "starting" and no leader forever (the file is
                    consumed, so the next start is healthy again): a daemon a restart fixes
  ignore-sigterm    SIGTERM is ignored, like a daemon stuck in a blocking call
Every start appends its pid to ~/.realnode/starts, so tests can count starts.
"""

import json
import os
import signal
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE_DIR = os.getcwd()
CONFIG = os.path.join(SERVICE_DIR, "config", "realnode.json")
DATA = os.path.join(SERVICE_DIR, "data")
RECORDS = os.path.expanduser("~/.realnode")


def log(level, message):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    print(f"{stamp} {level} p2p_daemon: {message}", flush=True)


def consume_flag(name):
    path = os.path.join(DATA, name)
    if os.path.exists(path):
        os.remove(path)
        return True
    return False


def has_flag(name):
    return os.path.exists(os.path.join(DATA, name))


with open(CONFIG, encoding="utf-8") as f:
    cfg = json.load(f)
NODE_ID = cfg["node_id"]
STARTED = time.time()
WEDGED = consume_flag("wedge-next-start")


def cluster_view():
    """The simulated cluster as this node sees it (same rules as the simulator's /status)."""
    with urllib.request.urlopen(cfg["control_url"] + "/state", timeout=5) as r:
        state = json.load(r)
    nodes = state["nodes"]

    def in_mesh(n):
        return n["daemon"] == "running" and "host-down" not in n["faults"] and "partition" not in n["faults"]

    alive = sum(1 for n in nodes if in_mesh(n))
    total = len(nodes)
    leader = state["leader_id"]
    if leader is None or alive < total / 2:
        health = "critical"
    elif alive == total:
        health = "healthy"
    else:
        health = "degraded"
    return {
        "node_id": NODE_ID,
        "status": "running",
        "leader_id": leader,
        "alive_peers": alive,
        "total_peers": total,
        "cluster_health": health,
        "role": "worker",
        "voters_alive": state["voters_alive"],
        "voters_total": state["voters_total"],
        "uptime_s": int(time.time() - STARTED),
    }


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0].rstrip("/")
        if path == "/health":
            return self.send(200, {"status": "ok", "node_id": NODE_ID})
        if path == "/status":
            if WEDGED:
                return self.send(200, {"node_id": NODE_ID, "status": "starting", "leader_id": None,
                                       "alive_peers": 0, "total_peers": 0, "cluster_health": "critical"})
            try:
                return self.send(200, cluster_view())
            except Exception as e:  # the simulator is gone: answer like a daemon that lost its peers
                return self.send(503, {"error": f"cluster view unavailable: {e}"})
        return self.send(404, {"error": "not found"})

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def on_sigterm(signum, frame):
    log("INFO", "received SIGTERM, shutting down")
    os._exit(0)


def main():
    os.makedirs(RECORDS, exist_ok=True)
    with open(os.path.join(RECORDS, "starts"), "a", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    if has_flag("ignore-sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log("WARNING", "ignoring SIGTERM")
    else:
        signal.signal(signal.SIGTERM, on_sigterm)
    servers = []
    try:
        for address in (cfg["address"], "127.0.0.1"):
            servers.append(ThreadingHTTPServer((address, cfg["port"]), Handler))
    except OSError as e:
        log("ERROR", f"[Errno {e.errno}] {e.strerror} (port {cfg['port']})")
        sys.exit(1)
    log("INFO", f"starting P2P daemon node_id={NODE_ID} port={cfg['port']}" + (" (wedged)" if WEDGED else ""))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
