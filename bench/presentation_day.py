#!/usr/bin/env python3
"""Presentation day under load: reviewers entering presentation scores while the office watches the board.

Usage: python3 bench/presentation_day.py PATH/TO/linxuan [--viewers 50] [--reviewers 6] [--passes 20]
           [--communities 36] [--poll 0.5] [--board-every 5 | --follow] [--think 0] [--postgres]

Starts the given binary on a free port with a fresh data directory, on the presentation day of
the built-in plan (LINXUAN_NOW=2023-06-16T10:00:00+08:00: the presentation phase is open), with
SQLite (the default) or, with --postgres, a throwaway PostgreSQL database (created with
`createdb -h 127.0.0.1 -U postgres`, dropped afterwards). Then, over HTTP as a browser would
(cookies, CSRF tokens, redirects):

  set-up   the first administrator; schools and --communities advanced-track communities imported
           as CSV; --reviewers reviewers invited (the invitation link is shown without SMTP) and
           each accepting it in their own session; half in room 1, half in room 2; the schedule
           built; the assignments made from the schedule; --viewers office sessions signed in.
  load     every reviewer opens their room page, then for each community of their room submits a
           presentation score (POST /review/a/ID?back=room → 303) and follows the redirect to the
           room page, as the browser does; after the first pass the same reviewer changes every
           score, with a reason, for --passes passes in all. Meanwhile every viewer asks
           /office/review/board/version every --poll seconds (what the board page's script does)
           and reloads /office/review/board every --board-every seconds, or, with --follow,
           whenever the version changed (what the script does, which at this compressed pace of
           scoring means about once a second).
  checks   every response has the expected status; each room page after a submit shows the value
           just submitted; a version poll sent after a submit's 303 never returns the stamp of a
           poll answered before that submit was sent (the board's freshness); at the end the board
           shows, for every community, exactly the final score of each of its room's reviewers,
           results.csv has their mean, and the database holds one submitted score per
           (reviewer, community) and one version per submission.

Reports per kind of request the count, p50, p95, p99 and max latency (measured in the client,
from sending the request to reading the whole response), errors, throughput, the server's CPU
time and peak resident memory (VmHWM from /proc/PID/status), and how long a submitted score
takes to reach a viewer's next version poll. Exits with status 1 if any check fails.
"""
import argparse
import bisect
import csv
import decimal
import http.client
import io
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from server import (Browser, CheckFailed, cpu_seconds, expect, machine_cpu_seconds, memory_kb, percentile,
                    postgres_cpu_seconds, start as start_server)

PRESENTATION_DAY = "2023-06-16T10:00:00+08:00"
PASSWORD = "bench password 2023"
ADMIN_EMAIL = "office@bench.example.tw"
def score_for(pass_no, reviewer, slot):
    """A deterministic presentation score in half points, 30–59.5 of 60."""
    halves = 60 + (pass_no * 37 + reviewer * 11 + slot * 7) % 60
    return f"{halves // 2}" if halves % 2 == 0 else f"{halves // 2}.5"


# ---------------------------------------------------------------- set-up


def set_up(args, url, link, host, port):
    """Everything before the load, over HTTP. Returns the office, the reviewers and the viewers."""
    office = Browser(host, port)
    setup = link[len(url):]
    office.get(setup)
    status, _, body = office.post(
        setup, {"name": "教育局承辦人", "email": ADMIN_EMAIL, "password": PASSWORD, "confirm": PASSWORD}
    )
    expect("first administrator", status, 200, body)

    schools = max(1, math.ceil(args.communities / 3))
    levels = ["國小", "國中"]
    csv_schools = "code,name,level,district\n" + "".join(
        f"{900001 + i},測試{i + 1:02d}{levels[i % 2]},{levels[i % 2]},桃園區\n" for i in range(schools)
    )
    office.get("/office/schools")
    status, _, body = office.upload("/office/schools/import", "schools.csv", csv_schools.encode())
    expect("schools import", status, 200, body)
    csv_communities = "code,school,track,group,name,convener,email\n" + "".join(
        f"A{i + 1:02d},{900001 + i % schools},advanced,advanced,進階社群{i + 1:02d},召集人{i + 1:02d},"
        f"convener{i + 1:02d}@school.bench.example.tw\n"
        for i in range(args.communities)
    )
    office.get("/office/communities")
    status, _, body = office.upload("/office/communities/import", "communities.csv", csv_communities.encode())
    expect("communities import", status, 200, body)
    if f"新增 {args.communities} 個社群" not in body:
        raise CheckFailed(f"communities import: no '新增 {args.communities} 個社群' on the page")

    # Reviewers: invited by the office, each accepting the link in a session of their own.
    reviewers = []
    office.get("/office/review/reviewers")
    for i in range(1, args.reviewers + 1):
        name = f"評審{i:02d}"
        status, _, body = office.post(
            "/office/review/reviewers",
            {"name": name, "email": f"reviewer{i:02d}@univ.bench.example.tw", "affiliation": "大學", "school": ""},
        )
        expect(f"inviting {name}", status, 200, body)
        found = re.search(r'value="(https?://[^"]*(/invite/[0-9a-f]{64}))"', body)
        if not found:
            raise CheckFailed(f"inviting {name}: no invitation link on the page (is SMTP configured?)")
        reviewer = Browser(host, port)
        reviewer.get(found.group(2))
        status, _, body = reviewer.post(found.group(2), {"name": name, "password": PASSWORD, "confirm": PASSWORD})
        expect(f"{name} accepting the invitation", status, 200, body)
        reviewer.name = name
        reviewers.append(reviewer)

    # Rooms: the first half in room 1, the rest in room 2.
    status, _, page = office.get("/office/review/presentation")
    expect("presentation page", status, 200, page)
    fields = {}
    for field, name in re.findall(r'<select name="(room\.\d+)" aria-label="[^"]*? (評審\d+)"', page):
        index = int(name[2:]) - 1
        fields[field] = "1" if index < (args.reviewers + 1) // 2 else "2"
    if len(fields) != args.reviewers:
        raise CheckFailed(f"rooms form: found {len(fields)} reviewers, expected {args.reviewers}")
    status, _, body = office.post("/office/review/presentation/rooms", fields, follow=False)
    expect("rooms", status, 303, body)
    status, _, body = office.post("/office/review/presentation/build", {}, follow=False)
    expect("building the schedule (more communities than the day has slots?)", status, 303, body)
    status, _, page = office.get("/office/review/presentation")
    if f"已排定 {args.communities} 個社群" not in page:
        raise CheckFailed(f"schedule: no '已排定 {args.communities} 個社群' on the page")
    slots_per_room = [s.count('<tr><td class="num">') for s in page.split('<section class="card schedule">')[1:]]
    status, _, body = office.post("/office/review/presentation/assign", {}, follow=False)
    expect("assigning from the schedule", status, 303, body)

    # Each reviewer finds their room on /review and the forms on the room page.
    for reviewer in reviewers:
        status, _, home = reviewer.get("/review")
        expect(f"{reviewer.name}: /review", status, 200, home)
        found = re.search(r'href="/review/room/(\d+)"', home)
        if not found:
            raise CheckFailed(f"{reviewer.name}: no room link on /review")
        reviewer.room = int(found.group(1))
        status, _, room = reviewer.get(f"/review/room/{reviewer.room}")
        expect(f"{reviewer.name}: room page", status, 200, room)
        reviewer.slots = re.findall(
            r'id="slot-(\d+)".*?· (A\d+) .*?action="/review/a/\1\?back=room"', room, flags=re.S
        )
        if not reviewer.slots:
            raise CheckFailed(f"{reviewer.name}: no score forms on the room page")

    # The office's viewers: one session each, signed in through the login form.
    viewers = []
    for _ in range(args.viewers):
        viewer = Browser(host, port)
        viewer.get("/login")
        status, _, body = viewer.post("/login", {"email": ADMIN_EMAIL, "password": PASSWORD, "next": ""}, follow=False)
        expect("office sign-in", status, 303, body)
        status, _, board = viewer.get("/office/review/board")
        expect("board", status, 200, board)
        viewer.stamp = re.search(r'data-stamp="([^"]*)"', board).group(1)
        viewers.append(viewer)
    return office, reviewers, viewers, slots_per_room


# ---------------------------------------------------------------- load


def review_room(args, reviewer, number, start, submits, problems):
    """One reviewer at the room page: score every community, then change every score, pass by pass."""
    start.wait()
    room_path = f"/review/room/{reviewer.room}"
    status, _, _ = reviewer.get(room_path, kind="room page")
    for pass_no in range(args.passes):
        for slot_no, (assignment, code) in enumerate(reviewer.slots):
            value = score_for(pass_no, number, slot_no)
            fields = {"action": "submit", "c.presentation": value, "comment": f"第 {pass_no + 1} 輪：報告清楚，執行力佳。"}
            if pass_no > 0:
                fields["change_reason"] = f"第 {pass_no + 1} 輪重新評分"
            sent = time.monotonic()
            try:
                status, location, body = reviewer.post(f"/review/a/{assignment}?back=room", fields, "submit", False)
            except (OSError, http.client.HTTPException) as e:
                problems.append(f"{reviewer.name} {code}: {e}")
                continue
            answered = time.monotonic()
            if status != 303 or not (location or "").startswith(f"{room_path}#slot-{assignment}"):
                problems.append(f"{reviewer.name} {code} pass {pass_no + 1}: HTTP {status} → {location}")
                continue
            submits.append((sent, answered, reviewer.name, code, value))
            # The browser follows the redirect to the room page.
            status, _, room = reviewer.get(room_path, kind="room page")
            if status != 200:
                problems.append(f"{reviewer.name}: room page HTTP {status}")
                continue
            section = room.split(f'id="slot-{assignment}"', 1)[-1].split("</section>", 1)[0]
            shown = re.search(r'class="score-value">([^<]*)<', section)
            if not shown or decimal.Decimal(shown.group(1)) != decimal.Decimal(value):
                problems.append(
                    f"{reviewer.name} {code} pass {pass_no + 1}: room page shows {shown and shown.group(1)}, sent {value}"
                )
            if args.think:
                time.sleep(args.think)


def watch_board(args, viewer, start, stop, polls, problems):
    """One office screen with the board open: version polls, board reloads."""
    start.wait()
    rng = random.Random(id(viewer))
    now = time.monotonic()
    next_poll = now + rng.uniform(0, args.poll)
    next_board = now + rng.uniform(0, args.board_every) if args.board_every else float("inf")
    while not stop.is_set():
        wake = min(next_poll, next_board)
        stop.wait(max(0.0, wake - time.monotonic()))
        if stop.is_set():
            break
        now = time.monotonic()
        reload = False
        if now >= next_poll:
            next_poll = max(next_poll + args.poll, now)
            try:
                sent = time.monotonic()
                status, _, stamp = viewer.get("/office/review/board/version", kind="version poll")
                answered = time.monotonic()
            except (OSError, http.client.HTTPException) as e:
                problems.append(f"version poll: {e}")
                continue
            if status != 200:
                problems.append(f"version poll: HTTP {status}")
                continue
            stamp = stamp.strip()
            polls.append((sent, answered, stamp))
            if args.follow and stamp != viewer.stamp:
                reload = True
        if now >= next_board:
            next_board = max(next_board + args.board_every, now)
            reload = True
        if reload:
            try:
                status, _, board = viewer.get("/office/review/board", kind="board page")
            except (OSError, http.client.HTTPException) as e:
                problems.append(f"board: {e}")
                continue
            if status != 200:
                problems.append(f"board: HTTP {status}")
                continue
            found = re.search(r'data-stamp="([^"]*)"', board)
            viewer.stamp = found.group(1) if found else viewer.stamp


def freshness(submits, polls_per_viewer):
    """For each submit and viewer: the viewer's first version poll sent after the submit's 303 must
    differ from its last poll answered before the submit was sent; the delay from the 303 to that
    poll's answer is how long the board took to learn of the score."""
    delays, stale, checked = [], 0, 0
    for polls in polls_per_viewer:
        polls.sort()
        sent_at = [p[0] for p in polls]
        answered_at = sorted((p[1], p[2]) for p in polls)
        answered_times = [a[0] for a in answered_at]
        for sent, answered, *_ in submits:
            after = bisect.bisect_right(sent_at, answered)
            if after == len(polls):
                continue  # the viewer stopped before polling again
            before = bisect.bisect_left(answered_times, sent) - 1
            checked += 1
            delays.append(polls[after][1] - answered)
            if before >= 0 and answered_at[before][1] == polls[after][2]:
                stale += 1
    delays.sort()
    return delays, stale, checked


# ---------------------------------------------------------------- checks at the end


def final_checks(office, reviewers, args, submits, database):
    """The board and the results file show the last score of every reviewer; the database agrees."""
    final = {}
    for reviewer in reviewers:
        number = int(reviewer.name[2:])
        for slot_no, (_, code) in enumerate(reviewer.slots):
            final[(reviewer.name, code)] = decimal.Decimal(score_for(args.passes - 1, number, slot_no))
    problems = []
    status, _, board = office.get("/office/review/board")
    expect("board at the end", status, 200, board)
    shown = {}
    for row in board.split("<tr>")[1:]:
        code = re.search(r'<span class="mono">(A\d+)</span>', row)
        if not code:
            continue
        for name, value in re.findall(r"<li>(評審\d+)（[^）]*）：presentation ([0-9.]+) =", row):
            shown[(name, code.group(1))] = decimal.Decimal(value)
    if shown != final:
        missing = sorted(set(final) - set(shown))[:5]
        wrong = sorted(k for k in final if k in shown and shown[k] != final[k])[:5]
        problems.append(f"board: {len(shown)} presentation scores shown, {len(final)} expected; "
                        f"missing {missing}, wrong {[(k, shown[k], final[k]) for k in wrong]}")
    status, _, data = office.get("/office/review/results.csv")
    expect("results.csv", status, 200, "")
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    means = {}
    for (name, code), value in final.items():
        means.setdefault(code, []).append(value)
    checked = 0
    for row in rows:
        values = means.get(row.get("community"))
        if values is None or "presentation" not in row:
            continue
        mean = (sum(values) / len(values)).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
        if decimal.Decimal(row["presentation"]) != mean:
            problems.append(f"results.csv: {row['community']} presentation {row['presentation']}, expected {mean}")
        checked += 1
    if checked != args.communities:
        problems.append(f"results.csv: {checked} communities with a presentation mean, expected {args.communities}")
    submitted = versions = None
    query = ("SELECT (SELECT count(*) FROM scores s JOIN assignments a ON a.id = s.assignment_id "
             "WHERE a.phase = 'presentation' AND s.status = 'submitted'), (SELECT count(*) FROM score_versions)")
    if database.startswith("postgres"):
        out = subprocess.run(["psql", database, "-tAF,", "-c", query], capture_output=True, text=True)
    else:
        out = subprocess.run(["sqlite3", "-csv", database, query], capture_output=True, text=True)
    if out.returncode == 0 and out.stdout.strip():
        submitted, versions = (int(x) for x in out.stdout.strip().split(","))
        if submitted != len(final):
            problems.append(f"database: {submitted} submitted presentation scores, expected {len(final)}")
        if versions != len(submits):
            problems.append(f"database: {versions} score versions, {len(submits)} submissions answered 303")
    else:
        problems.append(f"database check could not run: {out.stderr.strip()}")
    return problems, len(shown), checked, submitted, versions


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--viewers", type=int, default=50, help="office sessions watching the board")
    parser.add_argument("--reviewers", type=int, default=6, help="reviewers, split over the plan's two rooms")
    parser.add_argument("--communities", type=int, default=36, help="advanced-track communities (2 rooms × 18 slots)")
    parser.add_argument("--passes", type=int, default=20, help="passes over the room: 1 submission, then changes")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between a viewer's version polls (as the page)")
    parser.add_argument("--board-every", type=float, default=5.0, help="seconds between a viewer's board reloads")
    parser.add_argument("--follow", action="store_true", help="reload the board whenever the version changed")
    parser.add_argument("--think", type=float, default=0.0, help="a reviewer's pause after each score, seconds")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database on 127.0.0.1:5432")
    args = parser.parse_args()
    if args.follow:
        args.board_every = 0.0

    data = tempfile.mkdtemp(prefix="linxuan-bench-")
    database_url, dbname = "", None
    if args.postgres:
        dbname = f"linxuan_bench_{os.getpid()}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", dbname], check=True)
        database_url = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    server = None
    failed = False
    try:
        server, url, link = start_server(args.binary, data, LINXUAN_NOW=PRESENTATION_DAY, DATABASE_URL=database_url)
        host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port

        setup_started = time.monotonic()
        office, reviewers, viewers, slots_per_room = set_up(args, url, link, host, port)
        setup_seconds = time.monotonic() - setup_started
        setup_peak_kb, setup_rss_kb = memory_kb(server.pid), memory_kb(server.pid, "VmRSS")
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"{backend}; set-up over HTTP in {setup_seconds:.1f} s: {args.communities} communities in rooms of "
              f"{slots_per_room} slots, {args.reviewers} reviewers, {args.viewers} office sessions")
        for r in reviewers:
            r.log.clear()
        for v in viewers:
            v.log.clear()

        start, stop = threading.Event(), threading.Event()
        problems, submits = [], []
        polls_per_viewer = [[] for _ in viewers]
        watchers = [
            threading.Thread(target=watch_board, args=(args, v, start, stop, polls_per_viewer[i], problems))
            for i, v in enumerate(viewers)
        ]
        scorers = [
            threading.Thread(target=review_room, args=(args, r, int(r.name[2:]), start, submits, problems))
            for r in reviewers
        ]
        for t in watchers + scorers:
            t.start()
        cpu_before, client_before, busy_before = cpu_seconds(server.pid), os.times(), machine_cpu_seconds()
        pg_before = postgres_cpu_seconds() if args.postgres else 0.0
        window_start = time.monotonic()
        start.set()
        for t in scorers:
            t.join()
        window_end = time.monotonic()
        cpu_during = cpu_seconds(server.pid) - cpu_before
        client_after = os.times()
        busy_during = [after - before for after, before in zip(machine_cpu_seconds(), busy_before)]
        pg_during = postgres_cpu_seconds() - pg_before if args.postgres else 0.0
        # One more poll interval, so that every viewer polls after the last submission.
        time.sleep(args.poll * 1.5 + 0.5)
        stop.set()
        for t in watchers:
            t.join()
        peak_kb, rss_kb = memory_kb(server.pid), memory_kb(server.pid, "VmRSS")
        elapsed = window_end - window_start

        log = [entry for b in reviewers + viewers for entry in b.log if window_start <= entry[1] <= window_end]
        kinds = ["submit", "room page", "board page", "version poll"]
        print(f"\nload: {elapsed:.1f} s; {len(submits)} submissions ({args.passes} passes over "
              f"{sum(len(r.slots) for r in reviewers)} reviewer-community pairs), {len(submits) / elapsed:.1f}/s; "
              f"{len(log)} requests, {len(log) / elapsed:.0f}/s")
        print("\n| request | count | errors | p50 | p95 | p99 | max |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        expected = {"submit": 303}
        unexpected = lambda e: e[3] != expected.get(e[0], 200)
        for kind in kinds + ["all"]:
            rows = [e for e in log if kind == "all" or e[0] == kind]
            errors = sum(1 for e in rows if unexpected(e))
            times = sorted((e[2] - e[1]) * 1000 for e in rows)
            p = lambda q: f"{percentile(times, q):.1f} ms"
            print(f"| {kind} | {len(rows)} | {errors} | {p(0.50)} | {p(0.95)} | {p(0.99)} | {p(1.0)} |")

        delays, stale, checked = freshness(submits, polls_per_viewer)
        print(f"\nfreshness: {checked} (submission, viewer) pairs; a score reached the viewer's next version poll "
              f"within p50 {percentile(delays, 0.5) * 1000:.0f} ms, p99 {percentile(delays, 0.99) * 1000:.0f} ms, "
              f"max {percentile(delays, 1.0) * 1000:.0f} ms; stale polls: {stale}")
        client_cpu = (client_after.user + client_after.system) - (client_before.user + client_before.system)
        others = max(0.0, busy_during[0] - cpu_during - client_cpu - pg_during)
        print(f"CPU during the load ({os.cpu_count()} cores, {elapsed:.1f} s): server {cpu_during:.1f} s "
              f"({cpu_during / elapsed * 100:.0f} % of one core), "
              + (f"PostgreSQL {pg_during:.1f} s, " if args.postgres else "")
              + f"benchmark client {client_cpu:.1f} s, "
              f"other processes {others:.1f} s, interrupts {busy_during[1]:.1f} s, stolen by the hypervisor "
              f"{busy_during[2]:.1f} s" + ("  ← the machine was not quiet" if others > 0.1 * elapsed else ""))
        print(f"server memory: after set-up {setup_rss_kb / 1024:.1f} MiB (peak so far {setup_peak_kb / 1024:.1f} MiB), "
              f"after the load {rss_kb / 1024:.1f} MiB, peak {peak_kb / 1024:.1f} MiB")
        reconnects = sum(b.reconnects for b in reviewers + viewers)
        if reconnects:
            print(f"keep-alive connections reopened: {reconnects}")

        database = database_url or os.path.join(data, "linxuan.db")
        if not database_url and not os.path.exists(database):
            found = [os.path.join(d, f) for d, _, fs in os.walk(data) for f in fs if f.endswith((".db", ".sqlite"))]
            database = found[0] if found else database
        end_problems, shown, csv_rows, submitted, versions = final_checks(office, reviewers, args, submits, database)
        print(f"checks: board shows {shown} presentation scores, results.csv {csv_rows} means; database "
              f"{submitted} submitted presentation scores, {versions} score versions for {len(submits)} submissions")
        problems += end_problems
        if stale:
            problems.append(f"{stale} version polls sent after a submission returned the stamp from before it")
        errors = sum(1 for e in log if unexpected(e))
        if problems or errors:
            failed = True
            print(f"\nPROBLEMS ({len(problems)}; {errors} requests with an unexpected status):")
            for p in problems[:20]:
                print("  ", p)
        else:
            print("all checks passed")
    except CheckFailed as e:
        failed = True
        print("set-up failed:", e)
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(data, ignore_errors=True)
        if dbname:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", dbname], check=False)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
