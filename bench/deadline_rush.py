#!/usr/bin/env python3
"""The deadline rush: every community uploading its results report in the last minutes before
the final deadline (112-06-12 23:59:59), while conveners and the office keep reloading pages.

Usage: python3 bench/deadline_rush.py PATH/TO/linxuan [--postgres] [--window 120 | --window 590]
           [--communities 250] [--mb 20] [--upload-rate 2.5] [--views 200] [--progress-share 0.05]

The full rush is ten minutes (--window 590: the server's clock starts at 23:50:00 and every
upload has to be in before 23:59:59); the default window of 120 s puts the same 250 uploads and
the same page-view rate into two minutes, so uploads overlap five times more.

Two sittings of the server on one data directory (SQLite, or with --postgres a throwaway
PostgreSQL database made with `createdb -h 127.0.0.1 -U postgres` and dropped afterwards):

  set-up   LINXUAN_NOW=2023-05-01T10:00:00+08:00: the first administrator; schools and
           --communities basic-track communities imported as CSV; every convener accepts the
           invitation in a browser session of their own (which signs them in); 5 office sessions
           sign in. Sessions are kept in the database, so they outlive the restart.
  rush     LINXUAN_NOW=2023-06-12T23:50:00+08:00 (the clock runs on from there). For --window
           seconds, open loop (sent on schedule, whatever the answers):
           - page views at --views per second, each from a signed-in session: a convener's
             portal page /community/ID or their files page /community/ID/files (half each), or,
             for --progress-share of them, an office session's /office/progress;
           - every community's convener, at a moment spread evenly over the window (ending
             early enough for the last upload to finish), signs in again through the login form,
             opens the portal and the files page, and uploads a --mb MB results report with the
             page's upload form (POST /community/ID/files?category=report&key=…&_csrf=…,
             multipart field `file`, Accept: application/json as the page's script sends it), at
             --upload-rate MB/s (a school's uplink; 0 = as fast as the machine goes), then goes
             where the answer says. The file (`%PDF-1.7` and filler unique to the community) is
             generated on the fly and its SHA-256 computed while sending; nothing is on disk.

Checks afterwards: every upload answered 200 with ok; the database has exactly one report
version per community, each with the SHA-256 and size that were sent, not marked late and
uploaded before 2023-06-12 23:59:59 Taipei time; each one's file under data/files has that
SHA-256, and no other file is there (nothing lost, nothing left over); every page view answered
200. Reports page-view latency p50/p95/p99/max per page (measured from the moment a view was
due, so a client that falls behind counts against the server, not for it), how late views were
sent, upload times, the server's CPU time and its peak resident memory (VmHWM of the rush's
process). Exits with status 1 if any check fails; the goals (p99 of page views ≤ 200 ms, peak
RSS ≤ 150 MB) are reported, met or not.
"""
import argparse
import hashlib
import http.client
import json
import os
import queue
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

from seed import ADMIN_EMAIL, DISTRICTS, PASSWORD, TOPICS, accept_invite, first_admin, form_action, import_communities, \
    import_schools, sign_in
from server import Browser, CheckFailed, cpu_seconds, create_postgres, drop_postgres, expect, machine_cpu_seconds, \
    memory_kb, percentile, postgres_cpu_by_process, postgres_cpu_since, sql, start as start_server

SETUP = "2023-05-01T10:00:00+08:00"
RUSH = "2023-06-12T23:50:00+08:00"
DEADLINE = datetime(2023, 6, 12, 23, 59, 59, tzinfo=timezone(timedelta(hours=8)))
OFFICE_SCREENS = 5
CHUNK = 256 * 1024
WORKERS = 4


def email(code):
    return f"convener-{code.lower()}@school.bench.example.tw"


def set_up(args, host, port, url, link):
    """Schools, communities, conveners' sessions (by code) and the office's sessions."""
    office = first_admin(url, link, host, port)
    elementary = round(args.communities * 0.68)
    schools, rows = [], []
    for group, level, count, prefix, first in (("basic-elementary", "國小", elementary, "E", 930001),
                                               ("basic-junior", "國中", args.communities - elementary, "J", 940001)):
        for s in range((count + 1) // 2):
            schools.append((str(first + s), f"{DISTRICTS[s % len(DISTRICTS)][:2]}第{s + 1}{level}", level,
                            DISTRICTS[s % len(DISTRICTS)]))
        for i in range(count):
            code = f"{prefix}{i + 1:03d}"
            rows.append((code, str(first + i // 2), "basic", group, f"{TOPICS[i % len(TOPICS)]}社群{code}",
                         f"召集人{code}", email(code)))
    import_schools(office, schools)
    found = import_communities(office, rows)
    conveners = {}
    lock = threading.Lock()

    def accept(code):
        browser = accept_invite(host, port, found[code][1], f"召集人{code}")
        with lock:
            conveners[code] = (found[code][0], browser)

    codes = [r[0] for r in rows]
    for start in range(0, len(codes), WORKERS):
        threads = [threading.Thread(target=accept, args=(c,)) for c in codes[start:start + WORKERS]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if len(conveners) != len(codes):
        raise CheckFailed(f"{len(codes) - len(conveners)} conveners could not accept their invitations")
    screens = [sign_in(host, port, ADMIN_EMAIL) for _ in range(OFFICE_SCREENS)]
    return conveners, screens


# ---------------------------------------------------------------- page views


def cookie_of(browser):
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def page_views(args, host, port, conveners, screens, t0, log):
    """Open loop: view k is due at t0 + k / rate; 64 workers with keep-alive connections send them."""
    rng = random.Random(1)
    due = queue.Queue()
    sessions = [(cid, cookie_of(b)) for cid, b in conveners.values()]
    office = [cookie_of(b) for b in screens]

    def worker():
        conn = None
        while True:
            item = due.get()
            if item is None:
                return
            kind, path, cookie, when = item
            started = time.monotonic()
            status, size = None, 0
            for attempt in range(2):
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(host, port, timeout=60)
                    conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html",
                                                       "Accept-Encoding": "identity"})
                    response = conn.getresponse()
                    size = len(response.read())
                    status = response.status
                    break
                except (OSError, http.client.HTTPException) as e:
                    if conn:
                        conn.close()
                    conn = None
                    status = f"error: {e}"
            log.append((kind, when, started, time.monotonic(), status, size))

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(64)]
    for w in workers:
        w.start()
    total = int(args.views * args.window)
    for k in range(total):
        when = t0 + k / args.views
        delay = when - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if rng.random() < args.progress_share:
            due.put(("progress board", "/office/progress", rng.choice(office), when))
        else:
            cid, cookie = rng.choice(sessions)
            if rng.random() < 0.5:
                due.put(("portal page", f"/community/{cid}", cookie, when))
            else:
                due.put(("files page", f"/community/{cid}/files", cookie, when))
    for _ in workers:
        due.put(None)
    for w in workers:
        w.join()


# ---------------------------------------------------------------- uploads


def stream_report(host, port, path, cookie, size, code, rate):
    """Sends the report as the page's script does; returns (status, reply, sha256, seconds)."""
    boundary = f"----linxuan-rush-{code}"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{code}成果報告.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = hashlib.sha256(code.encode()).digest() * (CHUNK // 32)
    digest = hashlib.sha256()
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.putheader("Cookie", cookie)
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    conn.send(head)
    sent = 0
    while sent < size:
        chunk = block[:min(CHUNK, size - sent)]
        if sent == 0:
            chunk = b"%PDF-1.7\n" + chunk[9:]
        conn.send(chunk)
        digest.update(chunk)
        sent += len(chunk)
        if rate:
            ahead = started + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    try:
        reply = json.loads(body)
    except ValueError:
        reply = {"ok": False, "message": body[:200]}
    return response.status, reply, digest.hexdigest(), time.monotonic() - started


def convener_uploads(args, host, port, code, community_id, at, results, log):
    """One convener on the last evening: sign in, open the portal and the files page, upload."""
    time.sleep(max(0.0, at - time.monotonic()))
    outcome = {"code": code, "id": community_id, "started": time.monotonic(), "attempts": 0}
    results[code] = outcome
    try:
        browser = Browser(host, port, log)
        browser.get("/login", kind="uploader: sign-in page")
        status, _, body = browser.post("/login", {"email": email(code), "password": PASSWORD, "next": ""},
                                       kind="uploader: sign in", follow=False)
        expect(f"{code}: sign in", status, 303, body)
        status, _, body = browser.get("/community", kind="uploader: portal")
        expect(f"{code}: portal", status, 200, body)
        status, _, page = browser.get(f"/community/{community_id}/files", kind="uploader: files page")
        expect(f"{code}: files page", status, 200, page)
        path = form_action(page, "category=report&key=")
        size = args.mb * 1_000_000
        # As the page's script: a dropped connection is retried with the same key, 3 times.
        for attempt in range(4):
            outcome["attempts"] = attempt + 1
            try:
                status, reply, sha, seconds = stream_report(host, port, path, cookie_of(browser), size, code,
                                                            args.upload_rate * 1_000_000)
                break
            except (OSError, http.client.HTTPException) as e:
                outcome["error"] = str(e)
                if attempt == 3:
                    raise
                time.sleep(attempt + 1)
        outcome.update(status=status, reply=reply, sha256=sha, size=size, seconds=seconds, ended=time.monotonic())
        if status == 200 and reply.get("ok") and reply.get("redirect"):
            browser.get(reply["redirect"].split("#")[0], kind="uploader: files page")
    except (CheckFailed, OSError, http.client.HTTPException) as e:
        outcome["error"] = str(e)


# ---------------------------------------------------------------- checks


def check_reports(database, data, sent, postgres):
    """The database's report versions against what was sent, and the files against both."""
    problems = []
    when = "to_char(v.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')" if postgres else "v.uploaded_at"
    rows = sql(database, f"SELECT d.community_id, v.sha256, v.size, v.late, {when}, v.storage_key FROM file_versions v "
                         "JOIN documents d ON d.id = v.document_id WHERE d.category = 'report' ORDER BY d.community_id")
    by_id = {}
    for community, sha, size, late, uploaded, key in rows:
        by_id.setdefault(int(community), []).append((sha, int(size), late, uploaded, key))
    deadline_utc = DEADLINE.astimezone(timezone.utc).replace(tzinfo=None)
    latest = None
    for code, o in sent.items():
        versions = by_id.get(o["id"], [])
        if len(versions) != 1:
            problems.append(f"{code}: {len(versions)} report versions in the database, expected 1")
            continue
        sha, size, late, uploaded, key = versions[0]
        if sha != o.get("sha256") or size != o.get("size"):
            problems.append(f"{code}: the database has {sha[:12]}… {size} B, sent {str(o.get('sha256'))[:12]}… {o.get('size')} B")
        if late not in ("0", "f", "false"):
            problems.append(f"{code}: marked late ({late})")
        at = datetime.fromisoformat(uploaded.replace("T", " ")[:19])
        latest = max(latest or at, at)
        if at > deadline_utc:
            problems.append(f"{code}: uploaded at {uploaded} UTC, after the deadline")
        digest = hashlib.sha256()
        try:
            with open(os.path.join(data, "files", key), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        except OSError as e:
            problems.append(f"{code}: file {key}: {e}")
            continue
        if digest.hexdigest() != sha:
            problems.append(f"{code}: the file on disk has SHA-256 {digest.hexdigest()[:12]}…, the database {sha[:12]}…")
    # Uploads go under communities/ (the imported CSV files are kept under imports/).
    stored = [os.path.relpath(os.path.join(d, f), os.path.join(data, "files"))
              for d, _, fs in os.walk(os.path.join(data, "files", "communities")) for f in fs]
    extra = set(stored) - {v[4] for vs in by_id.values() for v in vs}
    if extra:
        problems.append(f"{len(extra)} files under data/files/communities that no version names, e.g. {sorted(extra)[:3]}")
    if len(rows) != len(sent):
        problems.append(f"database: {len(rows)} report versions for {len(sent)} uploads")
    return problems, len(rows), len(stored), latest


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database on 127.0.0.1:5432")
    parser.add_argument("--communities", type=int, default=250)
    parser.add_argument("--mb", type=int, default=20, help="size of each report, MB")
    parser.add_argument("--window", type=float, default=120, help="seconds of the rush (at most 590)")
    parser.add_argument("--upload-rate", type=float, default=2.5, help="MB/s per upload (0: unthrottled)")
    parser.add_argument("--views", type=float, default=200, help="page views per second")
    parser.add_argument("--progress-share", type=float, default=0.05, help="share of views that are /office/progress")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    upload_seconds = args.mb / args.upload_rate if args.upload_rate else 2
    spread = args.window - upload_seconds - 5
    if args.window > 590 or spread < 1:
        sys.exit(f"--window must leave room for the last upload ({upload_seconds:.0f} s) and end before 23:59:59: "
                 "at most 590 s")

    data = tempfile.mkdtemp(prefix="linxuan-rush-")
    database_url, dbname = "", None
    if args.postgres:
        database_url, dbname = create_postgres()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    server = None
    failed = False
    try:
        started = time.monotonic()
        server, url, link = start_server(binary, data, LINXUAN_NOW=SETUP, DATABASE_URL=database_url)
        host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
        conveners, screens = set_up(args, host, port, url, link)
        setup_peak = memory_kb(server.pid)
        server.terminate()
        server.wait()
        print(f"{backend}; set-up ({SETUP}): {len(conveners)} communities, each convener signed in in a session of "
              f"their own, {OFFICE_SCREENS} office sessions; {time.monotonic() - started:.0f} s, server peak "
              f"{setup_peak / 1024:.0f} MiB", flush=True)

        launched = time.monotonic()
        server, url, _ = start_server(binary, data, first_run=False, LINXUAN_NOW=RUSH, DATABASE_URL=database_url)
        host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
        clock = datetime.fromisoformat(RUSH)  # the server's clock at `launched`, or a little behind it

        def server_time(t):
            return clock + timedelta(seconds=t - launched)

        t0 = time.monotonic() + 0.5
        view_log, upload_log, results = [], [], {}
        codes = sorted(conveners)
        uploaders = [threading.Thread(target=convener_uploads, daemon=True, args=(
            args, host, port, code, conveners[code][0], t0 + spread * i / len(codes), results, upload_log))
            for i, code in enumerate(codes)]
        viewer = threading.Thread(target=page_views, args=(args, host, port, conveners, screens, t0, view_log))
        cpu_before, client_before, busy_before = cpu_seconds(server.pid), os.times(), machine_cpu_seconds()
        pg_before = postgres_cpu_by_process(dbname) if args.postgres else {}
        for t in uploaders:
            t.start()
        viewer.start()
        print(f"rush from {server_time(t0):%H:%M:%S} (server clock): {len(codes)} uploads of {args.mb} MB at "
              f"{args.upload_rate or '∞'} MB/s spread over {spread:.0f} s, {args.views:.0f} page views/s for "
              f"{args.window:.0f} s", flush=True)
        viewer.join()
        for t in uploaders:
            t.join()
        ended = time.monotonic()
        cpu = cpu_seconds(server.pid) - cpu_before
        client_after = os.times()
        busy = [a - b for a, b in zip(machine_cpu_seconds(), busy_before)]
        pg = postgres_cpu_since(pg_before, dbname) if args.postgres else 0.0
        peak_kb, rss_kb = memory_kb(server.pid), memory_kb(server.pid, "VmRSS")
        elapsed = ended - t0

        print(f"\npage views ({len(view_log)} in {args.window:.0f} s, {len(view_log) / args.window:.0f}/s; latency from "
              f"the moment each was due):\n")
        print("| page | count | not 200 | p50 | p95 | p99 | max | sent late > 10 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        kinds = ["portal page", "files page", "progress board"]
        for kind in kinds + ["all"]:
            rows = [e for e in view_log if kind == "all" or e[0] == kind]
            times = sorted((e[3] - e[1]) * 1000 for e in rows)
            bad = sum(1 for e in rows if e[4] != 200)
            late = sum(1 for e in rows if e[2] - e[1] > 0.010)
            p = lambda q: f"{percentile(times, q):.0f} ms"
            print(f"| {kind} | {len(rows)} | {bad} | {p(0.5)} | {p(0.95)} | {p(0.99)} | {p(1.0)} | {late} |")
        all_times = sorted((e[3] - e[1]) * 1000 for e in view_log)
        p99 = percentile(all_times, 0.99)
        view_errors = sum(1 for e in view_log if e[4] != 200)

        outcomes = [results.get(c, {"code": c}) for c in codes]
        ok = [o for o in outcomes if o.get("status") == 200 and o.get("reply", {}).get("ok")]
        failures = [o for o in outcomes if o not in ok]
        seconds = sorted(o["seconds"] for o in ok)
        retried = sum(1 for o in outcomes if o.get("attempts", 0) > 1)
        last_end = max((o["ended"] for o in ok), default=t0)
        print(f"\nuploads: {len(ok)} of {len(codes)} answered ok, {len(failures)} failed, {retried} retried; "
              f"each {percentile(seconds, 0.5):.1f} s p50, {percentile(seconds, 1.0):.1f} s max; "
              f"last answer at {server_time(last_end):%H:%M:%S} (server clock)")
        for kind in sorted({e[0] for e in upload_log}):
            times = sorted((e[2] - e[1]) * 1000 for e in upload_log if e[0] == kind)
            print(f"  {kind}: {len(times)}, p50 {percentile(times, 0.5):.0f} ms, p99 {percentile(times, 0.99):.0f} ms, "
                  f"max {percentile(times, 1.0):.0f} ms")
        client = (client_after.user + client_after.system) - (client_before.user + client_before.system)
        others = max(0.0, busy[0] - cpu - client - pg)
        print(f"CPU over {elapsed:.0f} s ({os.cpu_count()} cores): server {cpu:.1f} s ({cpu / elapsed * 100:.0f} % of a "
              f"core)" + (f", PostgreSQL {pg:.1f} s" if args.postgres else "") + f", bench client {client:.1f} s, "
              f"other processes {others:.1f} s, stolen by the hypervisor {busy[2]:.1f} s"
              + ("  ← the machine was not quiet" if others > 0.1 * elapsed else ""))
        print(f"server memory: peak {peak_kb / 1024:.1f} MiB during the rush (set-up sitting {setup_peak / 1024:.0f} "
              f"MiB), resident at the end {rss_kb / 1024:.1f} MiB")

        database = database_url or os.path.join(data, "linxuan.db")
        problems, versions, files, latest = check_reports(database, data, {o["code"]: o for o in ok}, args.postgres)
        print(f"checks: {versions} report versions in the database, {files} files under data/files/communities, latest "
              f"uploaded_at {latest} UTC")
        problems += [f"{o['code']}: upload failed: HTTP {o.get('status')} {o.get('reply') or ''} {o.get('error', '')}"
                     for o in failures]
        if view_errors:
            statuses = sorted({str(e[4]) for e in view_log if e[4] != 200})
            problems.append(f"{view_errors} page views not answered 200 ({', '.join(statuses[:5])})")
        bad_uploader = [e for e in upload_log if e[3] not in (200, 303)]
        if bad_uploader:
            problems.append(f"{len(bad_uploader)} uploaders' page requests failed, e.g. {bad_uploader[0][0]} {bad_uploader[0][3]}")
        goals = []
        if p99 > 200:
            goals.append(f"page views p99 {p99:.0f} ms > 200 ms")
        if peak_kb * 1024 > 150_000_000:
            goals.append(f"peak RSS {peak_kb / 1024:.0f} MiB > 150 MB")
        print("goals (0 failed uploads, 0 lost files, p99 ≤ 200 ms, RSS ≤ 150 MB): " +
              ("all met" if not goals and not problems else "not met: " + "; ".join(goals + (
                  [f"{len(problems)} problems"] if problems else []))))
        if problems:
            failed = True
            print(f"\nPROBLEMS ({len(problems)}):")
            for p in problems[:20]:
                print("  ", p)
        else:
            print("all checks passed")
    except CheckFailed as e:
        failed = True
        print("failed:", e)
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(data, ignore_errors=True)
        if dbname:
            drop_postgres(dbname)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
