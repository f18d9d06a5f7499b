"""What the benches share: starting a Linxuan binary on a free port with a fresh data directory,
and reading its memory from /proc."""
import os
import re
import subprocess
import sys
import threading


def memory_kb(pid, field="VmHWM"):
    """VmHWM: the peak resident memory, kept by the kernel (nothing is sampled); VmRSS: now."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start(binary, data, **env):
    """Starts `binary serve` on 127.0.0.1:0 with `data` as its data directory and `env` added to
    the environment (no SMTP, warnings only). Returns the process, its URL and the first-run
    set-up link; the process's output is kept drained."""
    env = dict(os.environ, RUST_LOG="warn", LINXUAN_SMTP_URL="", **env)
    server = subprocess.Popen(
        [binary, "serve", "--addr", "127.0.0.1:0", "--data", data], stdout=subprocess.PIPE, env=env, text=True
    )
    url = link = None
    while not (url and link):
        line = server.stdout.readline()
        if not line:
            sys.exit("the server stopped")
        url = url or (re.search(r"Linxuan: (http://[0-9.:]+)", line) or [None, None])[1]
        link = link or (re.search(r"(http://\S+/setup/[0-9a-f]{64})", line) or [None, None])[1]
    threading.Thread(target=server.stdout.read, daemon=True).start()
    return server, url, link
