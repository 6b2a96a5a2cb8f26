#!/usr/bin/env python
"""Public pages against a bare Flask page, under the same gunicorn, on this machine.

    .venv/bin/python bench/pages_bench.py [--seconds 8 --rounds 3 --concurrency 4 --workers 2]

1. builds the demo province in a throwaway SQLite database (flask db upgrade, market seed --demo,
   search reindex), in a temporary instance folder;
2. starts three gunicorn servers on free loopback ports, with the same worker settings: the market with
   its shared page cache (PAGE_CACHE_SECONDS=30, the default), the market without it
   (PAGE_CACHE_SECONDS=0), and a bare Flask app whose one view returns a short HTML page;
3. for each URL, in turns (so that other load on the machine falls on all alike), sends anonymous GET
   requests with `Accept-Encoding: br, gzip` from `--concurrency` client threads for `--seconds`, and
   counts the answers per second (every answer must be 200);
4. prints a Markdown table: requests per second and the ratio to the bare page, best of the rounds, and
   writes the figures to bench/results/pages-<timestamp>.json (ignored by git).
Only 127.0.0.1 is ever contacted; every loop is bounded in time and stops by itself.
"""
import argparse
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PAGES = [("home", "/"), ("search", "/search?q=hoi"), ("listings", "/listings")]
GOAL = 0.30

BARE_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/")
def page():
    return "<!doctype html><html lang=vi><title>bare</title><p>Xin chào Lạng Sơn</p></html>"
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_demo(env: dict) -> None:
    for args in (["db", "upgrade"], ["market", "seed", "--demo"], ["search", "reindex"]):
        subprocess.run([str(VENV_BIN / "python"), "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_gunicorn(app_spec: str, port: int, env: dict, workers: int, cwd: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn for {app_spec} did not answer: {proc.stderr.read().decode()[-2000:]}")


def hammer(port: int, path: str, seconds: float, concurrency: int) -> float:
    """Requests per second answered with 200 by the server, from `concurrency` threads for `seconds`."""
    counts = [0] * concurrency
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "br, gzip", "User-Agent": "pages-bench"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"{path}: {response.status}")
                    return
                counts[i] += 1
            finally:
                conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"an answer was not 200: {errors[0]}")
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ELASTICSEARCH_URL")}
    env.update(MARKET_INSTANCE_DIR=str(tmp), FLASK_APP="wsgi.py", PYTHONPATH=str(ROOT), SECRET_KEY="bench")
    print(f"building the demo province in {tmp} …", flush=True)
    build_demo(env)
    (tmp / "bare_app.py").write_text(BARE_APP)

    servers = {
        "market": (free_port(), dict(env, PAGE_CACHE_SECONDS="30"), "wsgi:app", ROOT),
        "market, no page cache": (free_port(), dict(env, PAGE_CACHE_SECONDS="0"), "wsgi:app", ROOT),
        "bare": (free_port(), dict(env, PYTHONPATH=str(tmp)), "bare_app:app", tmp),
    }
    procs = []
    try:
        for port, server_env, spec, cwd in servers.values():
            procs.append(start_gunicorn(spec, port, server_env, args.workers, cwd))
        best: dict[tuple[str, str], float] = {}
        jobs = [("bare", "bare", "/")] + [(server, name, path) for name, path in PAGES
                                           for server in ("market", "market, no page cache")]
        for round_ in range(args.rounds):
            for server, name, path in jobs:
                port = servers[server][0]
                hammer(port, path, 1.0, args.concurrency)  # warm-up: caches, connections, bytecode
                rps = hammer(port, path, args.seconds, args.concurrency)
                best[(server, name)] = max(best.get((server, name), 0.0), rps)
                print(f"round {round_ + 1}: {server:<22} {name:<9} {rps:8.1f} req/s", flush=True)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    bare = best[("bare", "bare")]
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [f"{when} · {machine} · load average {load:.1f} · gunicorn {args.workers} sync workers · "
             f"{args.concurrency} client threads · best of {args.rounds} × {args.seconds:g} s",
             "", "| page | req/s (page cache) | vs bare | req/s (no page cache) | vs bare | goal ≥ 30 % |",
             "| --- | --- | --- | --- | --- | --- |",
             f"| bare Flask page | {bare:,.0f} | 100 % | | | |"]
    results = {"when": when, "machine": machine, "load": load, "bare": bare, "pages": {}}
    for name, _path in PAGES:
        cached, uncached = best[("market", name)], best[("market, no page cache", name)]
        ok = cached / bare >= GOAL
        lines.append(f"| {name} | {cached:,.0f} | {cached / bare:.0%} | {uncached:,.0f} | {uncached / bare:.0%} | "
                     f"{'met' if ok else 'NOT met'} |")
        results["pages"][name] = {"rps": cached, "rps_no_page_cache": uncached, "ratio": cached / bare,
                                  "ratio_no_page_cache": uncached / bare}
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"pages-{datetime.now(UTC):%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
