#!/usr/bin/env python3
"""The office's three largest pages under load: the review board, the progress board and the
communities list, each at 16 connections, with a city's year of data behind them.

Usage: python3 bench/office_pages.py PATH/TO/linxuan [--postgres] [--communities 220]
           [--connections 16] [--duration 20] [--requests 100] [--pages board,progress,communities]

The year is set up over HTTP as its people would (cookies, CSRF tokens, redirects followed), in
three sittings of the server on one data directory (SQLite, or with --postgres a throwaway
PostgreSQL database made with `createdb -h 127.0.0.1 -U postgres` and dropped afterwards). The
server runs its clock from a given moment (LINXUAN_NOW) and that moment cannot move while it
runs, so it is stopped and started again with the next one — as the year moves on:

  2023-01-05 19:30  the first administrator; the plan's basic-track rounds set to 3 reviewers in
                    round 1 and the top 22 of each group on to round 2; schools and --communities
                    basic-track communities imported as CSV (about 68 % elementary, 32 % junior
                    high, two per school, over Taoyuan's districts); every convener accepts the
                    invitation, adds members and records the first semester's meetings with
                    their sign-in sheets (most before the midterm deadline of 112-01-09).
  2023-06-09 20:00  the conveners sign in again: late first-semester meetings for some, the
                    second semester's meetings, the results report, evidence files, video links
                    and the self-evaluation — complete for most, with gaps for some (so the
                    progress board has on-time, late and missing items).
  2023-06-14 10:00  round 1 is open (13–15 June). 6 reviewers are invited and accept (one works at
                    a school, so never sees its communities); round 1 is assigned automatically
                    (3 reviewers × 220 communities = 660 assignments) and every reviewer opens each
                    scoring page and submits a score (660 scores); the office closes round 1,
                    opens round 2, confirms the cut of each group (22 + 22, no ties), assigns round 2
                    automatically (44 × 3 = 132) and the reviewers submit those: 792 scores.

Then, signed in as the office, for each page: one request for its size (and whether the server
compresses it when asked with Accept-Encoding: gzip; the gzip size is also computed here), a
warm-up, --requests sequential requests on one keep-alive connection with the server's CPU time
(utime + stime from /proc/PID/stat) before and after — CPU ms per request —, as many again with
a commit from outside before each one (a row added to a table of the bench's own: the server
computes the page afresh instead of using what it kept for the database as it was), then wrk with
--connections connections for --duration seconds: latency p50/p95/p99/max, requests per second,
the server's CPU per request under load, and its peak memory during that run (the kernel's
high-water mark VmHWM, reset with `echo 5 > /proc/PID/clear_refs` just before). wrk comes from
Debian (installed with apt-get if missing): oha has no Debian package and `cargo install oha`
compiles for many minutes on this 2-core machine; wrk is small C and leaves the cores to the server.

Checks: every set-up step answers as expected, the database has 792 submitted scores, every
measured response is 200 with the page's full size (wrk counts any other status). Exits with
status 1 if any check fails.
"""
import argparse
import gzip
import html
import http.client
import json
import math
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from seed import ADMIN_EMAIL, DISTRICTS, TOPICS, Portal, accept_invite, first_admin, import_communities, \
    import_schools, pdf, sign_in
from server import WRK_SCRIPT, Browser, CheckFailed, cpu_seconds, ensure_wrk, create_postgres, drop_postgres, expect, machine_cpu_seconds, \
    memory_kb, percentile, postgres_cpu_by_process, postgres_cpu_since, reset_peak, sql, start as start_server

MIDTERM = "2023-01-05T19:30:00+08:00"
FINAL = "2023-06-09T20:00:00+08:00"
REVIEW = "2023-06-14T10:00:00+08:00"
PAGES = {"board": "/office/review/board", "progress": "/office/progress", "communities": "/office/communities"}
REVIEWERS = 6
ROUND1_REVIEWERS = 3
TOP = 22            # per group, on to round 2
CANDIDATES = 30     # per group: complete, on time, and ranked by a distinct richness score
INDICATORS = ["operation", "co-planning", "observation", "debrief", "materials", "student-learning", "reflection",
              "sharing"]
WORKERS = 4         # conveners (and reviewers) working at the same time during set-up



# ---------------------------------------------------------------- the year's data


class Community:
    """One community and what its convener will do, drawn from a seed so every run is the same."""

    def __init__(self, code, group, index, school):
        self.code, self.group, self.index, self.school = code, group, index, school
        rng = random.Random(code)
        self.candidate = index < CANDIDATES
        full = self.candidate
        self.extra_members = 4 if full or rng.random() < 0.9 else rng.choice([2, 3])
        r = rng.random()
        # First semester: (meetings recorded before the midterm deadline, recorded late in June).
        if full or r < 0.70:
            self.sem1 = (3, 0)
        elif r < 0.85:
            self.sem1 = (0, 3)
        elif r < 0.95:
            self.sem1 = (rng.choice([1, 2]), 0)
        else:
            self.sem1 = (0, 0)
        r = rng.random()
        self.sem2 = 3 if full or r < 0.85 else (2 if r < 0.95 else 0)
        self.signin = 1.0 if full else 0.9
        self.report = full or rng.random() < 0.9
        self.evidence = 2 if full else rng.choice([0, 1, 1, 2, 3])
        self.link = full or rng.random() < 0.3
        r = rng.random()
        self.selfeval = "submit" if full or r < 0.85 else ("save" if r < 0.92 else None)
        self.rng = rng
        self.id = self.invite = None

    def indicator_halves(self, round_no, reviewer):
        """Half points per indicator, summing to a total that ranks the candidates strictly by their
        index (1 point of indicator sum apart: no ties at the cut) and the others below them, with a
        reviewer's own hand on the others and in round 2."""
        if self.candidate:
            total = 2 * (79 - self.index)
            if round_no == 2:
                total += (reviewer * 3 + self.index) % 5 - 2
        else:
            total = 2 * 20 + (self.index * 7) % 58 + (reviewer % 3) - 1
        total = max(0, min(160, total))
        return [total // 8 + (1 if i < total % 8 else 0) for i in range(8)]


def the_year(n):
    """Schools and communities: about 68 % elementary (150 of 220), two communities per school."""
    elementary = round(n * 150 / 220)
    junior = n - elementary
    schools, communities = [], []
    for group, level, count, prefix, first in (("basic-elementary", "國小", elementary, "E", 930001),
                                               ("basic-junior", "國中", junior, "J", 940001)):
        for s in range(math.ceil(count / 2)):
            schools.append((str(first + s), f"{DISTRICTS[s % len(DISTRICTS)][:2]}第{s + 1}{level}", level,
                            DISTRICTS[s % len(DISTRICTS)]))
        for i in range(count):
            communities.append(Community(f"{prefix}{i + 1:03d}", group, i, str(first + i // 2)))
    return schools, communities


def csv_rows(communities):
    return [(c.code, c.school, "basic", c.group, f"{TOPICS[i % len(TOPICS)]}社群{c.code}", f"召集人{c.code}",
             f"convener-{c.code.lower()}@school.bench.example.tw") for i, c in enumerate(communities)]


def email(c):
    return f"convener-{c.code.lower()}@school.bench.example.tw"


# ---------------------------------------------------------------- the three sittings


def run(workers, items, job):
    """`job(item)` for every item, `workers` at a time; the first failure stops the bench."""
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(job, item) for item in items]:
            future.result()


def meetings(portal, c, semester, count, late, attendees):
    months = ["111/09/21", "111/10/19", "111/11/23", "111/12/14"] if semester == 1 else \
        ["112/02/22", "112/03/22", "112/04/19", "112/05/17"]
    kinds = ["co_planning", "observation", "debrief", "topic_study"]
    for m in range(count):
        portal.record_meeting(months[m], kinds[m % len(kinds)], f"{TOPICS[(c.index + m) % len(TOPICS)]}"
                              f"{'（補登）' if late else ''}", attendees,
                              signin_size=8_000 if c.rng.random() < c.signin else 0)


def midterm(host, port, url, link, communities, schools):
    office = first_admin(url, link, host, port)
    # The plan: three reviewers for every community in round 1, the top 22 of a group go on.
    form = office.get("/office/plan/edit/tracks")[2]
    draft = re.search(r'name="_draft" value="([^"]*)"', form).group(1)
    version = re.search(r'name="_version" value="([^"]*)"', form).group(1)
    status, _, body = office.post("/office/plan/edit/tracks", {
        "_draft": html.unescape(draft), "_version": version,
        "i:tracks.basic.rounds[0].reviewers": str(ROUND1_REVIEWERS),
        "c:tracks.basic.rounds[1]": "top", "cp:tracks.basic.rounds[1]": str(TOP)}, follow=False)
    expect("plan: round 1 by 3 reviewers, top 22 to round 2", status, 303, body)
    import_schools(office, schools)
    found = import_communities(office, csv_rows(communities))
    for c in communities:
        c.id, c.invite = found[c.code]

    def convener(c):
        browser = accept_invite(host, port, c.invite, f"召集人{c.code}")
        portal = Portal(browser, c.id, c.code)
        for m in range(c.extra_members):
            portal.add_member(f"{c.code}成員{m + 1}")
        c.attendees = portal.members()
        meetings(portal, c, 1, c.sem1[0], False, c.attendees)

    run(WORKERS, communities, convener)


def final(host, port, communities):
    def convener(c):
        portal = Portal(sign_in(host, port, email(c)), c.id, c.code)
        meetings(portal, c, 1, c.sem1[1], True, c.attendees)
        meetings(portal, c, 2, c.sem2, False, c.attendees)
        if c.report:
            portal.upload("report", f"{c.code}成果報告.pdf", pdf(150_000 + c.index * 1_000, c.index))
        for e in range(c.evidence):
            category = ["lesson_plan", "student_learning", "records"][e % 3]
            portal.upload(category, f"{c.code}-{category}-{e + 1}.pdf", pdf(40_000, e), title=f"佐證資料 {e + 1}")
        if c.link:
            portal.add_link(f"https://youtu.be/bench{c.code}", "公開授課影片")
        if c.selfeval:
            portal.self_evaluation(["good", "good", "fair"] if c.candidate else ["fair", "good", "poor"],
                                   submit=c.selfeval == "submit")

    run(WORKERS, communities, convener)


def review(host, port, communities, schools):
    office = sign_in(host, port, ADMIN_EMAIL)
    reviewers = []
    office.get("/office/review/reviewers")
    for i in range(1, REVIEWERS + 1):
        name = f"評審{i:02d}"
        school = ""
        if i == REVIEWERS:  # a principal: never assigned a community of their own school
            page = office.get("/office/review/reviewers")[2]
            school = re.search(r'<option value="(\d+)"[^>]*>[^<]*' + re.escape(schools[0][1]), page).group(1)
        status, _, body = office.post("/office/review/reviewers", {
            "name": name, "email": f"reviewer{i:02d}@univ.bench.example.tw",
            "affiliation": "校長" if school else "大學", "school": school})
        expect(f"inviting {name}", status, 200, body)
        found = re.search(r'value="https?://[^"/]*(/invite/[0-9a-f]{64})"', body)
        if not found:
            raise CheckFailed(f"inviting {name}: no invitation link on the page (is SMTP configured?)")
        reviewer = accept_invite(host, port, found.group(1), name)
        reviewer.number = i
        reviewer.done = set()
        reviewers.append(reviewer)
    by_code = {c.code: c for c in communities}

    def score_all(round_no):
        def work(reviewer):
            home = reviewer.get("/review")[2]
            rows = re.findall(r'<td class="mono">([^<]+)</td><td><a href="/review/a/(\d+)">', home)
            for code, assignment in rows:
                if assignment in reviewer.done:
                    continue
                status, _, page = reviewer.get(f"/review/a/{assignment}")
                expect(f"{reviewer.number}: scoring page {code}", status, 200, page)
                completeness = re.search(r'name="c\.completeness"[^>]*value="([^"]*)"', page).group(1)
                halves = by_code[code].indicator_halves(round_no, reviewer.number)
                fields = {f"i.{ind}": (f"{h // 2}" if h % 2 == 0 else f"{h // 2}.5") for ind, h in zip(INDICATORS, halves)}
                fields.update({"c.completeness": completeness, "completeness_reason": "",
                               "comment": f"第 {round_no} 輪：資料完整，觀課與議課紀錄具體，可再加強學生學習成效的前後比較。",
                               "action": "submit"})
                status, _, body = reviewer.post(f"/review/a/{assignment}", fields)
                expect(f"{reviewer.number}: submitting {code}", status, 200, body)
                reviewer.done.add(assignment)

        run(REVIEWERS, reviewers, work)

    status, _, body = office.post("/office/review/assign/round-1/auto", {})
    expect("round 1: automatic assignment", status, 200, body)
    score_all(1)
    for phase, state in (("round-1", "closed"), ("round-2", "open")):
        status, _, body = office.post(f"/office/review/phase/{phase}", {"state": state})
        expect(f"{phase}: {state}", status, 200, body)
    for group in ("basic-elementary", "basic-junior"):
        status, _, page = office.get(f"/office/review/cut/{group}/2")
        expect(f"cut page {group}", status, 200, page)
        if f"{TOP} 個社群晉級" not in page or "因同分晉級" in page:
            raise CheckFailed(f"cut {group}: expected '{TOP} 個社群晉級' and no ties")
        status, _, body = office.post(f"/office/review/cut/{group}/2", {})
        expect(f"confirming the cut of {group}", status, 200, body)
    status, _, body = office.post("/office/review/assign/round-2/auto", {})
    expect("round 2: automatic assignment", status, 200, body)
    score_all(2)
    return office


# ---------------------------------------------------------------- measuring


def fetch(host, port, path, cookie, encoding="identity"):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": encoding, "Accept": "text/html"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.getheader("Content-Encoding") or "", body


# A row in a table of the bench's own: a commit that no page shows. (An UPDATE that sets a
# value to itself would not do: SQLite writes nothing when a row stays byte for byte the same,
# and the database has then not changed.)
TOUCH = "CREATE TABLE IF NOT EXISTS bench_touch (n INTEGER); INSERT INTO bench_touch VALUES (1)"
_sqlite = {}


def touch(database):
    """Commits a change, as another process would."""
    if database.startswith("postgres"):
        subprocess.run(["psql", database, "-qc", TOUCH], check=True, capture_output=True)
        return
    if database not in _sqlite:
        _sqlite[database] = sqlite3.connect(database, timeout=30, isolation_level=None)
    _sqlite[database].executescript(TOUCH)


def measure(args, server, host, port, office, name, path, lua):
    cookie = "; ".join(f"{k}={v}" for k, v in office.cookies.items())
    problems = []
    status, _, body = fetch(host, port, path, cookie)
    if status != 200:
        raise CheckFailed(f"{path}: HTTP {status}")
    _, encoding, gz_body = fetch(host, port, path, cookie, "gzip")
    compressed = len(gz_body) if encoding == "gzip" else None
    result = {"page": name, "path": path, "html": len(body), "served_gzip": compressed,
              "gzip": len(gzip.compress(body, 6))}
    # Sequential: one keep-alive connection, one request at a time.
    session = Browser(host, port)
    session.cookies = dict(office.cookies)
    for _ in range(10):
        session.get(path, follow=False)
    times = []
    before = cpu_seconds(server.pid)
    pg_before = postgres_cpu_by_process(args.dbname) if args.postgres else {}
    for _ in range(args.requests):
        started = time.monotonic()
        status, _, page = session.send("GET", path)
        times.append((time.monotonic() - started) * 1000)
        if status != 200 or len(page.encode()) < len(body) * 0.9:
            problems.append(f"{path}: sequential request answered HTTP {status}, {len(page)} characters")
    result["cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / args.requests
    result["pg_ms"] = postgres_cpu_since(pg_before, args.dbname) * 1000 / args.requests if args.postgres else 0.0
    times.sort()
    result["seq_p50"] = percentile(times, 0.5)
    # Computed afresh: a commit from outside before each request, so the server cannot use what
    # it computed for the request before.
    before = cpu_seconds(server.pid)
    pg_before = postgres_cpu_by_process(args.dbname) if args.postgres else {}
    for _ in range(args.requests):
        touch(args.database)
        status, _, page = session.send("GET", path)
        if status != 200 or len(page.encode()) < len(body) * 0.9:
            problems.append(f"{path}: request after a commit answered HTTP {status}, {len(page)} characters")
    result["cold_cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / args.requests
    result["cold_pg_ms"] = postgres_cpu_since(pg_before, args.dbname) * 1000 / args.requests if args.postgres else 0.0
    # Under load: wrk, --connections connections for --duration seconds.
    reset_peak(server.pid)
    result["rss_before_kb"] = memory_kb(server.pid, "VmRSS")
    before, client_before, busy_before = cpu_seconds(server.pid), os.times(), machine_cpu_seconds()
    pg_before = postgres_cpu_by_process(args.dbname) if args.postgres else {}
    out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
                          "-s", lua, "-H", f"Cookie: {cookie}", "-H", "Accept: text/html",
                          f"http://{host}:{port}{path}"], capture_output=True, text=True)
    cpu = cpu_seconds(server.pid) - before
    client_after, busy = os.times(), [a - b for a, b in zip(machine_cpu_seconds(), busy_before)]
    result["wrk_cpu"] = (client_after.children_user + client_after.children_system
                         - client_before.children_user - client_before.children_system)
    result["pg_cpu"] = postgres_cpu_since(pg_before, args.dbname) if args.postgres else 0.0
    result["other_cpu"] = max(0.0, busy[0] - cpu - result["wrk_cpu"] - result["pg_cpu"])
    result["peak_kb"] = memory_kb(server.pid)
    line = next((line for line in out.stdout.splitlines() if line.startswith("WRK ")), None)
    if out.returncode != 0 or not line:
        raise CheckFailed(f"wrk failed: {out.stdout}{out.stderr}")
    w = json.loads(line[4:])
    seconds = w["duration_us"] / 1e6
    result.update({"requests": w["requests"], "rps": w["requests"] / seconds, "p50": w["p50"] / 1000,
                   "p95": w["p95"] / 1000, "p99": w["p99"] / 1000, "max": w["max"] / 1000,
                   "load_cpu_ms": cpu * 1000 / max(1, w["requests"]), "cpu_share": cpu / seconds,
                   "seconds": seconds})
    errors = w["non200"] + w["connect"] + w["read"] + w["write"] + w["timeout"]
    if errors:
        problems.append(f"{path} under load: {w['non200']} responses not 200, socket errors connect {w['connect']} "
                        f"read {w['read']} write {w['write']} timeout {w['timeout']}")
    if w["requests"] and w["bytes"] / w["requests"] < len(body):
        problems.append(f"{path} under load: {w['bytes'] / w['requests']:.0f} bytes per response, the page is {len(body)}")
    return result, problems


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database on 127.0.0.1:5432")
    parser.add_argument("--communities", type=int, default=220, help="basic-track communities (at least 60)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's concurrent connections")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per page for the CPU time")
    parser.add_argument("--pages", default=",".join(PAGES), help="which pages, of " + ",".join(PAGES))
    parser.add_argument("--keep", action="store_true",
                        help="keep the data directory (SQLite) and say where, to profile the pages on it afterwards")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    ensure_wrk()

    data = tempfile.mkdtemp(prefix="linxuan-bench-")
    lua = os.path.join(data, "report.lua")
    with open(lua, "w") as f:
        f.write(WRK_SCRIPT)
    database_url, dbname = "", None
    if args.postgres:
        database_url, dbname = create_postgres()
    args.dbname = dbname
    backend = "PostgreSQL" if args.postgres else "SQLite"
    server = None
    failed = False
    problems = []
    try:
        schools, communities = the_year(args.communities)
        peaks = []
        for label, now in (("midterm", MIDTERM), ("final", FINAL), ("review", REVIEW)):
            started = time.monotonic()
            server, url, link = start_server(binary, data, first_run=label == "midterm", LINXUAN_NOW=now,
                                             DATABASE_URL=database_url)
            parsed = urllib.parse.urlparse(url)
            host, port = parsed.hostname, parsed.port
            if label == "midterm":
                midterm(host, port, url, link, communities, schools)
            elif label == "final":
                final(host, port, communities)
            else:
                office = review(host, port, communities, schools)
            peaks.append(memory_kb(server.pid))
            print(f"{backend}; set-up, {label} ({now}): {time.monotonic() - started:.0f} s, server peak "
                  f"{peaks[-1] / 1024:.0f} MiB", flush=True)
            if label != "review":
                server.terminate()
                server.wait()
                server = None

        database = database_url or os.path.join(data, "linxuan.db")
        args.database = database
        counts = dict(sql(database, "SELECT a.phase, count(*) FROM scores s JOIN assignments a ON a.id = s.assignment_id "
                                    "WHERE s.status = 'submitted' GROUP BY a.phase"))
        total = sum(int(v) for v in counts.values())
        facts = sql(database, "SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM file_versions), "
                              "(SELECT count(*) FROM members), (SELECT count(*) FROM self_evaluations)")[0]
        print(f"data: {len(communities)} communities at {len(schools)} schools, {REVIEWERS} reviewers, {total} submitted "
              f"scores ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); {facts[0]} meetings, "
              f"{facts[1]} files, {facts[2]} members, {facts[3]} self-evaluations")
        expected = len(communities) * ROUND1_REVIEWERS + 2 * TOP * 3
        if total != expected:
            problems.append(f"database: {total} submitted scores, expected {expected}")

        results = []
        for name in args.pages.split(","):
            result, found = measure(args, server, host, port, office, name, PAGES[name], lua)
            results.append(result)
            problems += found
        idle_kb = memory_kb(server.pid, "VmRSS")

        print(f"\n{backend}, {args.connections} connections × {args.duration} s per page (wrk); CPU per request from "
              f"{args.requests} sequential requests\n")
        pg = args.postgres
        print("| page | HTML | gzip | server CPU / request | " + ("PostgreSQL CPU / request | " if pg else "")
              + "computed afresh: server CPU / request | " + ("PostgreSQL | " if pg else "") + "sequential p50 | p50 | p95 | p99 | max | requests/s | server CPU / request under load | "
              "RSS before → peak under load |")
        print("|---|---:|---:|---:|" + ("---:|" if pg else "") + "---:|" + ("---:|" if pg else "") + "---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            served = "served" if r["served_gzip"] else "not served"
            print(f"| {r['path']} | {r['html'] / 1000:.0f} KB | {r['gzip'] / 1000:.0f} KB ({served}) | "
                  f"{r['cpu_ms']:.1f} ms | " + (f"{r['pg_ms']:.1f} ms | " if pg else "") +
                  f"{r['cold_cpu_ms']:.1f} ms | " + (f"{r['cold_pg_ms']:.1f} ms | " if pg else "") +
                  f"{r['seq_p50']:.1f} ms | {r['p50']:.0f} ms | {r['p95']:.0f} ms | "
                  f"{r['p99']:.0f} ms | {r['max']:.0f} ms | {r['rps']:.0f} | {r['load_cpu_ms']:.1f} ms "
                  f"({r['cpu_share'] * 100:.0f} % of a core) | {r['rss_before_kb'] / 1024:.0f} → {r['peak_kb'] / 1024:.0f} MiB |")
        print("\nCPU during each wrk run: " + "; ".join(
            f"{r['path']} server {r['cpu_share'] * r['seconds']:.1f} s, wrk {r['wrk_cpu']:.1f} s"
            + (f", PostgreSQL {r['pg_cpu']:.1f} s" if args.postgres else "")
            + f", other processes {r['other_cpu']:.1f} s"
            + ("  ← the machine was not quiet" if r["other_cpu"] > 0.1 * r["seconds"] else "") for r in results))
        print(f"server memory: peak while setting up {', '.join(f'{p / 1024:.0f}' for p in peaks)} MiB (the three "
              f"sittings); peak under load {max(r['peak_kb'] for r in results) / 1024:.1f} MiB; resident at the end "
              f"{idle_kb / 1024:.1f} MiB")
        goals = [f"{r['path']}: CPU {r['cpu_ms']:.1f} ms > 15 ms" for r in results if r["cpu_ms"] > 15] + \
                [f"{r['path']}: p99 {r['p99']:.0f} ms > 150 ms" for r in results if r["p99"] > 150] + \
                [f"{r['path']}: peak {r['peak_kb'] / 1024:.0f} MiB > 40 MiB" for r in results if r["peak_kb"] > 40 * 1024]
        print("goals (≤ 15 ms CPU, p99 ≤ 150 ms, ≤ 40 MiB): " + ("all met" if not goals else "not met: " + "; ".join(goals)))
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
        if args.keep and not args.postgres:
            print(f"data kept in {data} (the office signs in as {ADMIN_EMAIL}; the clock was {REVIEW})")
        else:
            shutil.rmtree(data, ignore_errors=True)
        if dbname:
            drop_postgres(dbname)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
