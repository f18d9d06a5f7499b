#!/usr/bin/env python3
"""Peak memory of the server while 20 uploads of 50 MB stream in at once.

Usage: python3 bench/uploads.py PATH/TO/linxuan [--uploads 20] [--mb 50]

Starts the given binary on a free port with a fresh data directory (SQLite, local files),
sets up the first administrator, imports a school and a community, then sends the uploads
concurrently as the office acting for the community, each generated on the fly (the client
holds no file in memory). Reports the server's peak resident memory (VmHWM from
/proc/PID/status, which the kernel keeps for us: no polling), the wall time and throughput.
"""
import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from server import memory_kb, start as start_server

CHUNK = 256 * 1024


class Browser:
    """Cookies and the CSRF token, like the real thing."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = None

    def get(self, path):
        body = self.opener.open(self.base + path).read().decode()
        found = re.search(r'name="csrf-token" content="([0-9a-f]{64})"', body)
        if found:
            self.token = found.group(1)
        return body

    def post(self, path, fields):
        data = urllib.parse.urlencode({"_csrf": self.token, **fields}).encode()
        return self.opener.open(self.base + path, data).read().decode()

    def upload_small(self, path, name, content):
        boundary = "----linxuan-bench"
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.base}{path}{'&' if '?' in path else '?'}_csrf={self.token}",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return self.opener.open(request).read().decode()

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def stream_upload(host, port, path, cookie, size, results, index):
    boundary = f"----linxuan-bench-{index}"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report-{index}.pdf\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.putheader("Cookie", cookie)
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    conn.send(head)
    first = b"%PDF-1.7\n"
    conn.send(first)
    sent = len(first)
    block = bytes([65 + index % 26]) * CHUNK
    while sent < size:
        n = min(CHUNK, size - sent)
        conn.send(block[:n])
        sent += n
    conn.send(tail)
    response = conn.getresponse()
    results[index] = (response.status, response.read().decode(), time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="linxuan-bench-")
    server = None
    try:
        server, url, link = start_server(args.binary, data, LINXUAN_NOW="2023-03-01T10:00:00+08:00", DATABASE_URL="")
        baseline_kb = memory_kb(server.pid)
        office = Browser(url)
        path = link[len(url):]
        office.get(path)
        office.post(path, {"name": "bench", "email": "bench@example.tw", "password": "bench password", "confirm": "bench password"})
        office.get("/office/schools")
        office.upload_small("/office/schools/import", "s.csv", "code,name,level,district\n1,A,國小,X\n".encode())
        office.get("/office/communities")
        office.upload_small(
            "/office/communities/import",
            "c.csv",
            "code,school,track,group,name,convener,email\nE1,1,basic,basic-elementary,C,T,t@example.tw\n".encode(),
        )
        body = office.get("/office/communities")
        community = re.search(r'href="/community/(\d+)"', body).group(1)
        office.get(f"/community/{community}/files")
        # The plan's limit must admit the files.
        form = office.get("/office/plan/edit/general")
        draft = re.search(r'name="_draft" value="([^"]*)"', form).group(1)
        version = re.search(r'name="_version" value="([^"]*)"', form).group(1)
        import html

        office.post(
            "/office/plan/edit/general",
            {"_draft": html.unescape(draft), "_version": version, "i:uploads.max_file_mb": str(args.mb + 1)},
        )
        office.get(f"/community/{community}/files")
        ready_kb = memory_kb(server.pid)

        host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
        size = args.mb * 1_000_000
        results = [None] * args.uploads
        threads = []
        started = time.monotonic()
        for i in range(args.uploads):
            upload_path = f"/community/{community}/files?category=other&key=bench-upload-{i:04d}-0000&_csrf={office.token}"
            t = threading.Thread(target=stream_upload, args=(host, port, upload_path, office.cookie_header(), size, results, i))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        peak_kb = memory_kb(server.pid)
        failures = [r for r in results if r is None or r[0] != 200]
        total_mb = args.uploads * size / 1_000_000
        print(f"uploads: {args.uploads} × {args.mb} MB = {total_mb:.0f} MB, {len(failures)} failed")
        print(f"wall time: {elapsed:.1f} s ({total_mb / elapsed:.0f} MB/s)")
        print(f"server peak RSS: at start {baseline_kb / 1024:.1f} MiB, before uploads {ready_kb / 1024:.1f} MiB, "
              f"peak {peak_kb / 1024:.1f} MiB")
        stored = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(data, "files")) for f in fs)
        print(f"stored: {stored / 1_000_000:.0f} MB")
        if failures:
            print("failures:", failures[:3])
            sys.exit(1)
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
