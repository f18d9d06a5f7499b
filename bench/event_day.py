#!/usr/bin/env python3
"""The presentation day's two rushes: registration opening, and the morning check-in.

Usage: python3 bench/event_day.py PATH/TO/linxuan [--postgres] [--schools 200] [--rivals 2]
           [--workers 32] [--rush-seconds 600] [--desks 4] [--page-rate 100]

Starts the given binary on a free port with a fresh data directory (SQLite, or with --postgres
a throwaway PostgreSQL database), on the day registration opens (LINXUAN_NOW=2023-06-19T08:00,
built-in plan: capacity 300, one place per school), and over HTTP as browsers would (cookies,
CSRF tokens, redirects; each simulated person from an address of their own through
X-Forwarded-For, the server trusting 127.0.0.1 as its proxy: LINXUAN_TRUST_PROXY):

  1. registration  --schools schools, --rivals teachers of each school pressing "register" for
                   it at the same moment, the schools one after another over --arrival-seconds
                   (the first minute; 0: all at once, as fast as --workers connections go).
                   Each person loads the form, then posts it. Measured: the posts' latencies.
                   Checked: every answer is the ticket page; the database holds exactly one
                   place per school and the others on the waiting list.
  2. the morning   the server restarted on the same data on the day itself at 08:00; the office
                   admits from the waiting list until 300 hold a place; --desks phones (a desk
                   staff account, one session each) scan the 300 tickets, spread evenly over
                   --rush-seconds (the morning's 10 minutes), each phone sending one in ten of
                   its scans a second time (a queue emptied after a dropped connection), while
                   the public event page is loaded --page-rate times a second. Measured: scan
                   and page latencies. Checked: every scan answered "checked in" (the resends:
                   the same answer), the database holds 300 check-ins and one scan record per
                   scan id: nothing lost, nothing doubled.
"""
import argparse
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from seed import ADMIN_EMAIL, DISTRICTS, PASSWORD, first_admin, import_schools, sign_in  # noqa: E402
from server import (Browser, CheckFailed, create_postgres, drop_postgres, expect, percentile, sql,  # noqa: E402
                    start)

OPENING = "2023-06-19T08:00:00+08:00"
MORNING = "2023-07-07T08:00:00+08:00"


def ms(values):
    values = sorted(values)
    return (f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms, "
            f"max {values[-1] * 1000:.1f} ms ({len(values)} requests)")


def address(n):
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def register(host, port, n, school_id, name, at):
    """One person, at `at` (time.monotonic()): the form, then the post. Returns the post's
    (seconds, location)."""
    wait = at - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    person = Browser(host, port)
    person.headers["X-Forwarded-For"] = address(n)
    status, _, body = person.get("/event/111/register")
    expect("the registration form", status, 200, body)
    t0 = time.monotonic()
    status, location, body = person.post("/event/111/register", {
        "name": name, "school": school_id, "title": "教師", "email": f"p{n}@bench.example.tw", "meal": "meat",
        "national_id": ""}, follow=False)
    took = time.monotonic() - t0
    expect(f"registering {name}", status, 303, body)
    return took, location


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--rivals", type=int, default=2)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--arrival-seconds", type=float, default=60)
    parser.add_argument("--rush-seconds", type=float, default=600)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--page-rate", type=float, default=100)
    parser.add_argument("--places", type=int, default=300, help="people holding a place on the day")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="linxuan-event-")
    database_url, dbname = ("", None)
    if args.postgres:
        database_url, dbname = create_postgres()
    database = database_url or os.path.join(data, "linxuan.db")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    env = dict(DATABASE_URL=database_url, LINXUAN_TRUST_PROXY="true", LINXUAN_TRUSTED_PROXIES="127.0.0.1")
    server = None
    ok = True
    try:
        server, url, link = start(args.binary, data, LINXUAN_NOW=OPENING, **env)
        parsed = urllib.parse.urlparse(url)
        host, port = parsed.hostname, parsed.port
        office = first_admin(url, link, host, port)
        schools = [(f"{200001 + i}", f"桃園市立第{i + 1}國民小學", "國小", DISTRICTS[i % len(DISTRICTS)])
                   for i in range(args.schools)]
        import_schools(office, schools)
        ids = {code: school_id for code, school_id in sql(database, "SELECT code, id FROM schools")}
        print(f"{backend}; {args.schools} schools, {args.rivals} teachers each, over {args.arrival_seconds:.0f} s, "
              f"{args.workers} connections", flush=True)

        # 1. Registration opens: every school's teachers at once.
        started = time.monotonic() + 0.5
        people = [(n, ids[schools[s][0]], f"老師{n}", started + s * args.arrival_seconds / args.schools)
                  for n, s in enumerate(s for s in range(args.schools) for _ in range(args.rivals))]
        with ThreadPoolExecutor(args.workers) as pool:
            answers = list(pool.map(lambda p: register(host, port, *p), people))
        wall = time.monotonic() - started
        bad = [loc for _, loc in answers if not (loc or "").startswith("/event/ticket/LX-")]
        if bad:
            raise CheckFailed(f"{len(bad)} registrations not answered with their ticket: {bad[:3]}")
        placed = sql(database, "SELECT school_id, COUNT(*) FROM registrations WHERE status = 'registered' "
                               "GROUP BY school_id")
        waiting = sql(database, "SELECT COUNT(*) FROM registrations WHERE status = 'waiting'")[0][0]
        counts = sorted({int(c) for _, c in placed})
        if len(placed) != args.schools or counts != [1]:
            raise CheckFailed(f"one place per school broken: {len(placed)} schools placed, counts {counts}")
        if int(waiting) != args.schools * (args.rivals - 1):
            raise CheckFailed(f"{waiting} waiting, expected {args.schools * (args.rivals - 1)}")
        print(f"registration: {len(people)} people in {wall:.1f} s; post {ms([t for t, _ in answers])}; "
              f"exactly one place for each of {args.schools} schools, {waiting} waiting", flush=True)

        # 2. The morning: --places people, --desks phones, the event page under load.
        server.terminate()
        server.wait()
        server, url, _ = start(args.binary, data, first_run=False, LINXUAN_NOW=MORNING, **env)
        parsed = urllib.parse.urlparse(url)
        host, port = parsed.hostname, parsed.port
        office = sign_in(host, port, ADMIN_EMAIL)
        office.get("/office/event/registrations")
        for (rid,) in sql(database, "SELECT id FROM registrations WHERE status = 'waiting' ORDER BY id")[
                : max(0, args.places - args.schools)]:
            status, _, body = office.post(f"/office/event/registrations/{rid}/admit", {}, follow=False)
            expect("admitting from the waiting list", status, 303, body)
        status, _, body = office.post("/office/users", {"email": "desk@bench.example.tw", "name": "報到組",
                                                        "role": "staff"})
        expect("inviting the desk", status, 200, body)
        found = re.search(r'value="(https?://[^"]*(/invite/[0-9a-f]{64}))"', body)
        desk = Browser(host, port)
        desk.get(found.group(2))
        status, _, body = desk.post(found.group(2), {"name": "報到組", "password": PASSWORD, "confirm": PASSWORD})
        expect("the desk accepting", status, 200, body)
        phones = []
        for _ in range(args.desks):
            phone = sign_in(host, port, "desk@bench.example.tw")
            phone.get("/checkin")
            phones.append(phone)
        tickets = [t for (t,) in sql(database, "SELECT ticket FROM registrations WHERE status = 'registered'")]
        random.seed(7)
        random.shuffle(tickets)
        if len(tickets) != args.places:
            raise CheckFailed(f"{len(tickets)} places, expected {args.places}")
        scan_times, page_times, problems = [], [], []
        lock = threading.Lock()
        stop = threading.Event()

        def phone_work(i, phone):
            mine = tickets[i::args.desks]
            interval = args.rush_seconds / len(mine)
            begin = time.monotonic()
            for k, ticket in enumerate(mine):
                wait = begin + k * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                scan = {"scan_id": f"phone{i}-{k:04d}", "ticket": ticket, "kind": "in"}
                for attempt in range(2 if k % 10 == 0 else 1):
                    t0 = time.monotonic()
                    status, _, body = phone.send("POST", "/checkin/scan", json.dumps(scan).encode(),
                                                 "application/json", accept="application/json")
                    took = time.monotonic() - t0
                    text = body if isinstance(body, str) else body.decode()
                    answer = json.loads(text) if status == 200 else {"answer": f"HTTP {status}"}
                    with lock:
                        scan_times.append(took)
                        # A resend is answered as the first time.
                        if answer.get("answer") != "checked-in":
                            problems.append(f"{ticket} (attempt {attempt + 1}): {answer.get('answer')}")

        def visitor_work(rate):
            visitor = Browser(host, port)
            begin = time.monotonic()
            k = 0
            while not stop.is_set():
                wait = begin + k / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                t0 = time.monotonic()
                status, _, _ = visitor.get("/event/111")
                with lock:
                    page_times.append(time.monotonic() - t0)
                    if status != 200:
                        problems.append(f"event page: HTTP {status}")
                k += 1

        for phone in phones:
            phone.headers["X-CSRF-Token"] = phone.token
        visitors = [threading.Thread(target=visitor_work, args=(args.page_rate / 10,), daemon=True) for _ in range(10)]
        for v in visitors:
            v.start()
        started = time.monotonic()
        desks = [threading.Thread(target=phone_work, args=(i, p)) for i, p in enumerate(phones)]
        for d in desks:
            d.start()
        for d in desks:
            d.join()
        wall = time.monotonic() - started
        stop.set()
        for v in visitors:
            v.join()
        checked = int(sql(database, "SELECT COUNT(*) FROM registrations WHERE checked_in_at IS NOT NULL")[0][0])
        scans = int(sql(database, "SELECT COUNT(*) FROM scans")[0][0])
        if problems:
            raise CheckFailed(f"{len(problems)} wrong answers: {problems[:5]}")
        n = args.places
        if checked != n or scans != n:
            raise CheckFailed(f"{checked} checked in and {scans} scans recorded, expected {n} and {n}")
        print(f"morning: {n} check-ins from {args.desks} phones over {wall:.0f} s "
              f"({len(scan_times) - n} sent twice); scan {ms(scan_times)}", flush=True)
        print(f"         event page at {len(page_times) / wall:.0f}/s meanwhile: {ms(page_times)}", flush=True)
        print(f"         {n} checked in, {n} scans recorded: nothing lost, nothing doubled", flush=True)
    except CheckFailed as e:
        ok = False
        print(f"FAILED: {e}", flush=True)
    finally:
        if server:
            server.terminate()
            server.wait()
        if dbname:
            drop_postgres(dbname)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
