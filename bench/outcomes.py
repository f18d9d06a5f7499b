#!/usr/bin/env python3
"""What the year ends in, at a city's size: 250 awarded communities, their certificates merged into
one PDF for printing, and the public showcase's group page listing all 250 under load.

Usage: python3 bench/outcomes.py PATH/TO/linxuan [--postgres] [--communities 250]
           [--connections 16] [--duration 20]

Set-up over HTTP as the office would (cookies, CSRF tokens, redirects followed), the server's
clock at 2023-06-30 10:00 (LINXUAN_NOW): the first administrator; the elementary group's quotas
raised so that 250 communities can be awarded (50 特優, 75 優等, 125 甲等; on the plan's group
form) and the head's name set (on the awards form); 125 schools over Taoyuan's districts and
--communities elementary communities imported as CSV; one reviewer; round-1 scores for every
community imported as a paper-scores file (totals 70 to 99.5, all above the 甲等 minimum);
published; every fifth community consents to the showcase.

Measured:
  1. Certificates: the office numbers them (the make form), then GET
     /office/outcomes/certificates.pdf, all 250 in one PDF: wall time of the request and the
     server's peak memory during it (VmHWM, reset with `echo 5 > /proc/PID/clear_refs` just
     before); the PDF's page count (pdfinfo, when poppler is installed).
  2. The showcase's group page (/showcase/111?group=basic-elementary, every awarded community,
     no sign-in): wrk -t2 with --connections connections for --duration seconds: requests per
     second, p50/p95/p99/max, the server's CPU per request and its peak memory. A Lua script counts
     every answer other than 200.

Goals (issue 11): 250 certificates in ≤ 10 s with the server's peak ≤ 200 MB; the group page
≥ 2,000 requests/s at 16 connections with p99 ≤ 20 ms (SQLite). They are printed, met or not;
the script exits 1 when a check fails (a step not answering as expected, a non-200 answer).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from seed import DISTRICTS, first_admin, import_communities, import_schools  # noqa: E402
from server import (WRK_SCRIPT, CheckFailed, cpu_seconds, create_postgres, drop_postgres, ensure_wrk,  # noqa: E402
                    expect, memory_kb, reset_peak, start)

NOW = "2023-06-30T10:00:00+08:00"
def hidden(body, name):
    found = re.search(rf'name="{name}" value="([^"]*)"', body)
    if not found:
        raise CheckFailed(f"no hidden field {name}")
    return found.group(1)


def set_plan(office, section, fields):
    """Sets plan fields on the office's section form (the form's draft and version kept)."""
    status, _, body = office.get(f"/office/plan/edit/{section}")
    expect(f"plan form {section}", status, 200, body)
    pairs = {"_draft": hidden(body, "_draft"), "_version": hidden(body, "_version"), **fields}
    status, _, body = office.post(f"/office/plan/edit/{section}", pairs)
    expect(f"saving the plan's {section}", status, 200, body)


def the_year(n):
    schools = [(f"{100001 + i}", f"桃園市立第{i + 1}國民小學", "國小", DISTRICTS[i % len(DISTRICTS)])
               for i in range((n + 1) // 2)]
    communities = [(f"E{i + 1:03}", schools[i // 2][0], "basic", "basic-elementary", f"第{i + 1}號閱讀共備社群",
                    f"召集人{i + 1}", f"e{i + 1}@bench.example.tw") for i in range(n)]
    return schools, communities


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--communities", type=int, default=250)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    args = parser.parse_args()
    ensure_wrk()
    data = tempfile.mkdtemp(prefix="linxuan-outcomes-")
    lua = os.path.join(data, "report.lua")
    with open(lua, "w") as f:
        f.write(WRK_SCRIPT)
    database_url, dbname = ("", None)
    if args.postgres:
        database_url, dbname = create_postgres()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    server = None
    ok = True
    try:
        server, url, link = start(args.binary, data, LINXUAN_NOW=NOW, DATABASE_URL=database_url)
        parsed = urllib.parse.urlparse(url)
        host, port = parsed.hostname, parsed.port
        started = time.monotonic()
        office = first_admin(url, link, host, port)
        n = args.communities
        special, excellence = n // 5, (n * 3) // 10
        set_plan(office, "groups", {"i:groups.basic-elementary.quotas.special": str(special),
                                    "i:groups.basic-elementary.quotas.excellence": str(excellence),
                                    "i:groups.basic-elementary.quotas.merit": str(n - special - excellence)})
        set_plan(office, "awards", {"s:outcomes.head_name": "范○○"})
        schools, communities = the_year(n)
        import_schools(office, schools)
        imported = import_communities(office, communities)
        status, _, body = office.post("/office/review/reviewers", {"name": "王教授", "email": "wang@bench.example.tw",
                                                                   "affiliation": "大學", "school": ""})
        expect("inviting the reviewer", status, 200, body)
        lines = ["community,group,round,reviewer,criterion,score"]
        for i, c in enumerate(communities):
            total = 99.5 - (i * 29.5) / max(1, n - 1)  # 99.5 down to 70, every one awarded
            richness = round(total - 50, 1)
            for criterion, score in (("timeliness", 25), ("completeness", 25), ("richness", richness)):
                lines.append(f"{c[0]},basic-elementary,1,wang@bench.example.tw,{criterion},{score}")
        status, _, body = office.upload("/office/review/import", "scores.csv", ("\n".join(lines) + "\n").encode())
        expect("paper scores", status, 200, body)
        status, _, body = office.post("/office/review/publish", {"note": "公告", "unfinished": "1"})
        expect("publishing", status, 200, body)
        for code, (community_id, _) in list(imported.items())[::5]:
            office.post(f"/community/{community_id}/consent", {"consent": "yes"})
        print(f"{backend}; set-up: {time.monotonic() - started:.0f} s ({n} communities published)", flush=True)

        # 1. Certificates.
        status, _, body = office.get("/office/outcomes")
        expect("the outcomes page", status, 200, body)
        if f"應製作 {n} 張獎狀" not in body:
            raise CheckFailed(f"the outcomes page does not call for {n} certificates")
        status, _, body = office.post("/office/outcomes/certificates",
                                      {"version": hidden(body, "version"), "fingerprint": hidden(body, "fingerprint")})
        expect("numbering the certificates", status, 200, body)
        reset_peak(server.pid)
        rss_before = memory_kb(server.pid, "VmRSS")
        cpu_before = cpu_seconds(server.pid)
        t0 = time.monotonic()
        status, _, pdf = office.get("/office/outcomes/certificates.pdf")
        seconds = time.monotonic() - t0
        cpu = cpu_seconds(server.pid) - cpu_before
        peak = memory_kb(server.pid)
        expect("the merged PDF", status, 200)
        if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF-"):
            raise CheckFailed("the merged certificates are not a PDF")
        pages = "?"
        if shutil.which("pdfinfo"):
            path = os.path.join(data, "all.pdf")
            with open(path, "wb") as f:
                f.write(pdf)
            info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
            pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
            if pages != n:
                raise CheckFailed(f"the merged PDF has {pages} pages, not {n}")
        met = seconds <= 10 and peak <= 200 * 1024
        ok &= met
        print(f"certificates: {n} in one PDF of {len(pdf) / 1e6:.1f} MB ({pages} pages): {seconds:.2f} s "
              f"(server CPU {cpu:.2f} s), server memory {rss_before / 1024:.0f} MiB before → peak "
              f"{peak / 1024:.0f} MiB — goal ≤ 10 s and ≤ 200 MB: {'met' if met else 'NOT met'}", flush=True)

        # 2. The showcase's group page, anonymous.
        path = "/showcase/111?group=basic-elementary"
        status, _, body = office.get(path)
        if "找到 " + str(n) + " 個社群" not in body:
            raise CheckFailed(f"the group page does not list {n} communities")
        import http.client
        conn = http.client.HTTPConnection(host, port)
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        size = len(response.read())
        conn.close()
        for _ in range(20):
            c = http.client.HTTPConnection(host, port)
            c.request("GET", path)
            c.getresponse().read()
            c.close()
        reset_peak(server.pid)
        before = cpu_seconds(server.pid)
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
                              "-s", lua, "-H", "Accept: text/html", f"http://{host}:{port}{path}"],
                             capture_output=True, text=True)
        cpu = cpu_seconds(server.pid) - before
        line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
        if out.returncode != 0 or not line:
            raise CheckFailed(f"wrk failed: {out.stdout}{out.stderr}")
        w = json.loads(line[4:])
        secs = w["duration_us"] / 1e6
        rps = w["requests"] / secs
        p99 = w["p99"] / 1000
        errors = w["connect"] + w["read"] + w["write"] + w["timeout"]
        if w["non200"] or errors:
            raise CheckFailed(f"{w['non200']} answers other than 200, {errors} socket errors")
        met = rps >= 2000 and p99 <= 20
        ok &= met
        print(f"showcase group page ({size / 1024:.0f} KB, {n} communities), {args.connections} connections, "
              f"{secs:.0f} s: {rps:.0f} requests/s, p50 {w['p50'] / 1000:.1f} ms, p95 {w['p95'] / 1000:.1f} ms, "
              f"p99 {p99:.1f} ms, max {w['max'] / 1000:.1f} ms; server CPU {cpu * 1000 / w['requests']:.2f} ms/request, "
              f"peak {memory_kb(server.pid) / 1024:.0f} MiB — goal ≥ 2,000/s and p99 ≤ 20 ms: "
              f"{'met' if met else 'NOT met'}", flush=True)
    except CheckFailed as e:
        print(f"check failed: {e}", flush=True)
        ok = False
    finally:
        if server:
            server.terminate()
            server.wait()
        if dbname:
            drop_postgres(dbname)
        shutil.rmtree(data, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
