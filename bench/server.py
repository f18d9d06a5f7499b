"""What the benches share: starting a Linxuan binary on a free port with a fresh data directory
(SQLite, or a throwaway PostgreSQL database), a browser-like HTTP client (cookies, CSRF tokens,
redirects), and reading the server's CPU time and memory from /proc."""
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse


def memory_kb(pid, field="VmHWM"):
    """VmHWM: the peak resident memory, kept by the kernel (nothing is sampled); VmRSS: now."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    """Starts the kernel's peak-memory count (VmHWM) again from the memory resident now."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def start(binary, data, first_run=True, **env):
    """Starts `binary serve` on 127.0.0.1:0 with `data` as its data directory and `env` added to
    the environment (no SMTP, warnings only). Returns the process, its URL and the first-run
    set-up link (None with first_run=False: a data directory that already has an administrator
    prints none); the process's output is kept drained."""
    env = dict(os.environ, RUST_LOG="warn", LINXUAN_SMTP_URL="", **env)
    server = subprocess.Popen(
        [binary, "serve", "--addr", "127.0.0.1:0", "--data", data], stdout=subprocess.PIPE, env=env, text=True
    )
    url = link = None
    while not (url and (link or not first_run)):
        line = server.stdout.readline()
        if not line:
            sys.exit("the server stopped")
        url = url or (re.search(r"Linxuan: (http://[0-9.:]+)", line) or [None, None])[1]
        link = link or (re.search(r"(http://\S+/setup/[0-9a-f]{64})", line) or [None, None])[1]
    threading.Thread(target=server.stdout.read, daemon=True).start()
    return server, url, link


def create_postgres(prefix="linxuan_bench"):
    """A fresh PostgreSQL database on 127.0.0.1:5432 (user postgres, trust auth): (URL, name)."""
    name = f"{prefix}_{os.getpid()}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}", name


def drop_postgres(name):
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)


def sql(database, query):
    """Rows of `query` (lists of strings) from a PostgreSQL URL (psql) or an SQLite file (sqlite3)."""
    if database.startswith("postgres"):
        out = subprocess.run(["psql", database, "-tAF\t", "-c", query], capture_output=True, text=True)
    else:
        out = subprocess.run(["sqlite3", "-separator", "\t", database, query], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{query}: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def machine_cpu_seconds():
    """The machine's CPU time over all cores, from /proc/stat: (user + nice + system, irq + softirq, steal)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in stat.readline().split()[1:9])
    return (user + nice + system) / CLOCK_TICKS, (irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


def postgres_cpu_by_process(database=None):
    """{pid: CPU seconds} of the PostgreSQL server's processes; with `database`, only of the
    backends connected to it (so another user's tests on the machine do not count)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    head, tail = stat.read().rsplit(")", 1)
                if not head.endswith("(postgres"):
                    continue
                if database:
                    with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                        if f" {database} ".encode() not in cmdline.read():
                            continue
                fields = tail.split()
                found[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            except OSError:
                pass
    return found


def postgres_cpu_seconds():
    """CPU time of the PostgreSQL server's processes (the database work, with --postgres)."""
    return sum(postgres_cpu_by_process().values())


def postgres_cpu_since(before, database=None):
    """CPU time the backends spent since `before` (a postgres_cpu_by_process); a backend that
    closed in between is missed (its time since `before` is unknown), so this is a lower bound."""
    return sum(t - before.get(pid, 0.0) for pid, t in postgres_cpu_by_process(database).items())


class CheckFailed(Exception):
    pass


class Browser:
    """One browser session: a keep-alive connection, its cookies and the page's CSRF token.

    Requests sent with a `kind` are timed and recorded in `log` as (kind, start, end, status)."""

    def __init__(self, host, port, log=None):
        self.host, self.port = host, port
        self.conn = None
        self.cookies = {}
        self.token = None
        self.log = log if log is not None else []
        self.reconnects = 0
        # Sent with every request (X-Forwarded-For: one client address per simulated person).
        self.headers = {}

    def _store_cookies(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            first, *attributes = [p.strip() for p in header.split(";")]
            name, _, value = first.partition("=")
            gone = any(a.lower() == "max-age=0" for a in attributes) or value == ""
            if gone:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def send(self, method, path, body=None, content_type=None, kind=None, accept="text/html,*/*"):
        headers = {"Accept": accept, "Accept-Encoding": "identity", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.monotonic()
        for attempt in range(2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as e:
                # A keep-alive connection the server closed: a browser opens another and resends.
                self.conn.close()
                self.conn = None
                closed = isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt or not reused or not closed:
                    if kind:
                        self.log.append((kind, started, time.monotonic(), f"error: {e}"))
                    raise
                self.reconnects += 1
        ended = time.monotonic()
        if kind:
            self.log.append((kind, started, ended, response.status))
        self._store_cookies(response)
        text = data.decode("utf-8", "replace") if "text" in (response.getheader("Content-Type") or "") else data
        if isinstance(text, str):
            found = re.search(r'name="csrf-token" content="([0-9a-f]{64})"', text[:4000])
            if found:
                self.token = found.group(1)
        return response.status, response.getheader("Location"), text

    def get(self, path, kind=None, follow=True):
        status, location, body = self.send("GET", path, kind=kind)
        return self._follow(status, location, body, follow)

    def post(self, path, fields, kind=None, follow=True):
        """`fields`: a dict, or a list of (name, value) pairs for repeated names."""
        pairs = [("_csrf", self.token)] + (list(fields.items()) if isinstance(fields, dict) else list(fields))
        data = urllib.parse.urlencode(pairs).encode()
        status, location, body = self.send("POST", path, data, "application/x-www-form-urlencoded", kind=kind)
        return self._follow(status, location, body, follow)

    def upload(self, path, name, content, content_type="text/csv", title=None, kind=None):
        """A form with a file (field `file`, and `title` if given), sent as the page's upload script
        does when `path` already carries the CSRF token (a file form's action), else as a plain form."""
        boundary = "----linxuan-bench"
        fields = b""
        if title is not None:
            fields = (f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n').encode()
        body = fields + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        if "_csrf=" in path:
            # The upload script: asks for JSON, then goes where the answer says.
            status, _, text = self.send("POST", path, body, f"multipart/form-data; boundary={boundary}", kind=kind,
                                        accept="application/json")
            try:
                reply = json.loads(text if isinstance(text, str) else text.decode())
            except ValueError:
                return status, None, text
            if status == 200 and reply.get("ok") and reply.get("redirect"):
                redirect = reply["redirect"].split("#")[0]
                return self.get(redirect)
            return status, None, reply.get("message", "")
        url = f"{path}{'&' if '?' in path else '?'}_csrf={self.token}"
        status, location, text = self.send("POST", url, body, f"multipart/form-data; boundary={boundary}", kind=kind)
        return self._follow(status, location, text, True)

    def _follow(self, status, location, body, follow):
        hops = 0
        while follow and status in (301, 302, 303, 307) and location and hops < 5:
            target = urllib.parse.urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            status, location, body = self.send("GET", path)
            hops += 1
        return status, location, body


def expect(what, status, wanted, body=""):
    if status != wanted:
        snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body if isinstance(body, str) else ""))[:600]
        raise CheckFailed(f"{what}: HTTP {status}, expected {wanted}: {snippet}")


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


# wrk (Debian's) with this script counts every answer other than 200 and prints one JSON line.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0 end
function response(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "bytes": %d, "non200": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk (Debian package)…", flush=True)
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
