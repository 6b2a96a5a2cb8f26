"""Load and fault figures: virtual users browse, search, order and sign against gunicorn + PostgreSQL +
Elasticsearch on loopback while Elasticsearch, then PostgreSQL, are restarted once each.

    .venv/bin/python bench/load_fault.py [--users 50] [--duration 180] [--port 5142]

Everything runs on this machine and is thrown away afterwards: a PostgreSQL of its own (initdb in a temp dir,
scripts/services/postgres.sh), an Elasticsearch node of its own (scripts/services/elasticsearch.sh), the demo
market migrated and seeded into it, `gunicorn -w 4 wsgi:app` and the job worker (`huey_consumer
market.worker.huey`) with a SQLite queue in a temp instance folder. It never touches another server.

Virtual users (plain threads with `requests`, 1-3 s of think time between steps): 40 % browse (home, listings,
products, a listing, a product, organisations), 30 % search (the page and the JSON API), 20 % order as a
shop (product page -> add to cart -> checkout), 10 % contract (a processor proposes a contract from a star
anise listing and signs it with its password; the cooperative's signer signs it too). Every form is read from
the page and posted back as a browser would (CSRF token included).

At 1/3 of the run Elasticsearch is stopped and started again (same data folder); at 2/3 PostgreSQL is restarted
(`pg_ctl restart -m fast`). Printed: requests, errors by kind, p50/p95 per page, the time the search index took
to converge after Elasticsearch came back (every change queued before it was back pushed by the worker, no
command run), and what was lost: every order and signature the site confirmed (a redirect to the order or the
contract) is looked up in the database afterwards. Results also go to bench/results/load_fault-<time>.json.
"""
import argparse
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
PASSWORD = "langson-demo-2026"
SEARCH_WORDS = ["hoi", "hồi", "na", "quế", "que", "thach den", "quyt", "hong", "nhua thong", "tinh dau", "ocop",
                "van quan", "chi lang", "vietgap", "huu co", "dau"]


# --- services of our own ------------------------------------------------------------------------------------

def _bash(script: str) -> dict:
    """Source the project's service scripts, run `script`, and read back NAME=value lines it prints."""
    out = subprocess.run(["bash", "-c", f"set -e; cd {ROOT}; source scripts/services/postgres.sh; "
                                        f"source scripts/services/elasticsearch.sh; {script}"],
                         capture_output=True, text=True, check=True).stdout
    print(out.strip(), flush=True)
    return dict(line.split("=", 1) for line in out.splitlines() if re.match(r"^[A-Z_]+=", line))


class Postgres:
    def __init__(self):
        env = _bash('start_postgres; echo "PG_DIR=$PG_DIR"; echo "URL=$MARKET_TEST_POSTGRES_URL"; '
                    'echo "BINDIR=$(pg_bindir)"')
        if not env.get("URL"):
            raise SystemExit("PostgreSQL could not be started")
        self.dir, self.url, self.bindir = Path(env["PG_DIR"]), env["URL"], env["BINDIR"]
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def restart(self) -> None:
        # -l: the server's output to its log, not to our pipe (which would then never close)
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.dir / "data"), "-w", "-t", "60",
                        "-l", str(self.dir / "server.log"), "-m", "fast", "restart"], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate",
                        "stop"], capture_output=True)
        subprocess.run(["rm", "-rf", str(self.dir)])

    def connect(self):
        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


class Elasticsearch:
    """Started by the project's script; restarted by stopping its JVM and launching the same command line,
    environment and user again, on the same data folder."""

    def __init__(self):
        env = _bash('start_elasticsearch; echo "ES_DIR=$ES_DIR"; echo "URL=$MARKET_TEST_ELASTICSEARCH_URL"')
        if not env.get("URL") or not env.get("ES_DIR"):
            raise SystemExit("Elasticsearch could not be started")
        self.dir, self.url = Path(env["ES_DIR"]), env["URL"]
        self.pid = int((self.dir / "es.pid").read_text())
        # The server JVM gets its settings from its launcher (the CLI JVM, its parent) on stdin: relaunch that.
        launcher = int(Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        self.cmdline = Path(f"/proc/{launcher}/cmdline").read_bytes().split(b"\0")[:-1]
        self.environ = dict(item.split(b"=", 1) for item in Path(f"/proc/{launcher}/environ").read_bytes()
                            .split(b"\0") if b"=" in item)
        self.user = None
        if os.getuid() == 0:
            import pwd
            self.user = pwd.getpwuid(os.stat(f"/proc/{launcher}").st_uid).pw_name
        self.process = None

    def healthy(self) -> bool:
        try:
            r = requests.get(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=3)
            return r.ok and r.json().get("status") in ("yellow", "green")
        except requests.RequestException:
            return False

    def _kill(self, sig) -> None:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def stop_jvm(self) -> None:
        self._kill(signal.SIGTERM)
        for _ in range(120):
            if not Path(f"/proc/{self.pid}").exists():
                return
            time.sleep(0.5)
        self._kill(signal.SIGKILL)

    def start_jvm(self) -> None:
        (self.dir / "es.pid").unlink(missing_ok=True)
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        env = {k.decode(): v.decode() for k, v in self.environ.items()}
        self.process = subprocess.Popen([*prefix, *[c.decode() for c in self.cmdline]], env=env,
                                        cwd=env.get("PWD") or None, stdin=subprocess.DEVNULL,
                                        stdout=open(self.dir / "relaunch.log", "ab"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        for _ in range(240):
            if (self.dir / "es.pid").exists() and self.healthy():
                self.pid = int((self.dir / "es.pid").read_text())
                return
            time.sleep(0.5)
        log = (self.dir / "relaunch.log").read_text(errors="replace")[-1500:]
        raise RuntimeError(f"Elasticsearch did not come back:\n{log}")

    def stop(self) -> None:
        self.stop_jvm()
        subprocess.run(["rm", "-rf", str(self.dir)])


# --- the site ----------------------------------------------------------------------------------------------

def app_env(pg: Postgres, es: Elasticsearch, instance: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": pg.url, "ELASTICSEARCH_URL": es.url,
            "ELASTICSEARCH_INDEX": "market-load", "ELASTICSEARCH_TIMEOUT": "10", "MARKET_INSTANCE_DIR": str(instance),
            "SECRET_KEY": "load-and-fault-" + "x" * 32, "LOGIN_RATE_LIMIT": "100000 per minute",
            "FLASK_APP": "wsgi.py"}


def prepare(env: dict) -> None:
    for args in (["db", "upgrade"], ["market", "seed", "--demo"], ["search", "reindex"]):
        done = subprocess.run([PY, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def start_site(env: dict, port: int, instance: Path) -> list[subprocess.Popen]:
    web = subprocess.Popen([PY, "-m", "gunicorn", "-w", "4", "-t", "60", "-b", f"127.0.0.1:{port}", "wsgi:app",
                            "--access-logfile", "-"], cwd=ROOT, env=env, stdout=open(instance / "access.log", "w"),
                           stderr=open(instance / "gunicorn.log", "w"), start_new_session=True)
    worker = subprocess.Popen([str(ROOT / ".venv/bin/huey_consumer"), "market.worker.huey", "-w", "2", "-k",
                               "thread", "-s", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(instance / "worker.log", "w"), start_new_session=True)
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return [web, worker]
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


# --- virtual users -----------------------------------------------------------------------------------------

class Forms(HTMLParser):
    """The forms of a page, with the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": [], "selects": {}})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.forms[-1]["fields"].append((a["name"], a.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["selects"][self._select] = {"first": None, "selected": None, "multiple": "multiple" in a}
        elif tag == "option" and self._select:
            s = self.forms[-1]["selects"][self._select]
            value = a.get("value", "")
            if value and s["first"] is None:
                s["first"] = value
            if "selected" in a:
                s["selected"] = (s["selected"] or []) + [value]
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"].append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)

    def form(self, action_part: str) -> dict | None:
        """The first POST form whose action contains `action_part` ("" means a form without an action)."""
        for form in self.forms:
            if form["method"] == "post" and (action_part in form["action"] if action_part else not form["action"]):
                return form
        return None

    def find(self, action_part: str) -> list[tuple[str, str]] | None:
        form = self.form(action_part)
        if form is None:
            return None
        fields = list(form["fields"])
        for name, s in form["selects"].items():
            for value in (s["selected"] or ([s["first"]] if s["first"] else [])):
                fields.append((name, value))
        return fields


def forms_of(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.requests = 0
        self.confirmed: list[tuple] = []  # what the site said it saved
        self.skipped: Counter = Counter()  # steps with nothing to do (an empty cart, a contract signed already)
        self.timeline: list[tuple[float, str, str]] = []

    def record(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.times[page].append(seconds)
            if error:
                self.errors[error] += 1
                self.timeline.append((time.monotonic(), page, error))


class User(threading.Thread):
    def __init__(self, base: str, stats: Stats, kind: str, email: str | None, world: dict, stop: threading.Event,
                 shared: dict):
        super().__init__(daemon=True)
        self.base, self.stats, self.kind, self.email, self.world, self.stop_flag = base, stats, kind, email, world, stop
        self.shared = shared
        self.http = requests.Session()
        self.rng = random.Random()

    def call(self, page: str, method: str, path: str, expect=(200,), **kw) -> requests.Response | None:
        started = time.monotonic()
        error = None
        response = None
        try:
            response = self.http.request(method, urljoin(self.base, path), timeout=30, allow_redirects=False, **kw)
            if response.status_code == 503 and page.startswith("search"):
                error = "HTTP 503 search unavailable (designed answer while Elasticsearch is down)"
            elif response.status_code >= 500:
                error = f"HTTP {response.status_code}"
            elif response.status_code not in expect:
                error = f"HTTP {response.status_code} (unexpected)"
        except requests.Timeout:
            error = "timeout (30 s)"
        except requests.ConnectionError as exc:
            error = "connection error: " + ("reset" if "reset" in str(exc).lower() else
                                            "closed without answer" if "aborted" in str(exc).lower() else "refused")
        self.stats.record(page, time.monotonic() - started, error)
        return None if error else response

    def think(self) -> None:
        self.stop_flag.wait(self.rng.uniform(1.0, 3.0))

    def log_in(self) -> bool:
        page = self.call("login (GET)", "GET", "/auth/login")
        if page is None:
            return False
        fields = forms_of(page.text).find("") or []
        data = dict(fields) | {"email": self.email, "password": PASSWORD}
        return self.call("login (POST)", "POST", "/auth/login", expect=(302,), data=data) is not None

    def submit(self, page_name: str, form_page: str, action_part: str, extra: dict | None = None,
               expect=(302,)) -> requests.Response | None:
        page = self.call(page_name + " (GET)", "GET", form_page)
        if page is None:
            return None
        fields = forms_of(page.text).find(action_part)
        if fields is None:  # e.g. the cart was checked out by another user of the same account
            with self.stats.lock:
                self.stats.skipped[page_name] += 1
            return None
        data: dict[str, list[str]] = defaultdict(list)
        for name, value in fields:
            data[name].append(value)
        for name, value in (extra or {}).items():
            if value is None:
                data.pop(name, None)  # a box unticked
            else:
                data[name] = [value]
        action = forms_of(page.text).form(action_part)["action"] or form_page
        return self.call(page_name + " (POST)", "POST", action, expect=expect, data=data)

    def run(self) -> None:
        if self.email:
            while not self.stop_flag.is_set() and not self.log_in():
                self.think()
        while not self.stop_flag.is_set():
            try:
                getattr(self, self.kind)()
            except Exception as exc:  # noqa: BLE001 - a bug of the script is counted, not fatal
                self.stats.record("script", 0.0, f"script error: {type(exc).__name__}")
            self.think()

    def browse(self) -> None:
        w, r = self.world, self.rng
        path, page = r.choice([("/", "home"), ("/listings", "listings"), ("/products", "products"),
                               (f"/listings/{r.choice(w['listings'])}", "listing"),
                               (f"/products/{r.choice(w['products'])}", "product"), ("/orgs/", "organisations")])
        self.call(page, "GET", path)

    def search(self) -> None:
        word = self.rng.choice(SEARCH_WORDS)
        if self.rng.random() < 0.6:
            self.call("search page", "GET", "/search", params={"q": word}, expect=(200, 503))
        else:
            self.call("search API", "GET", "/api/v1/search", params={"q": word}, expect=(200, 503))

    def order(self) -> None:
        product = self.rng.choice(self.world["products"])
        added = self.submit("add to cart", f"/products/{product}", "/orders/cart/add", {"quantity": "1"})
        if added is None:
            return
        cart = added.headers.get("Location", "/orders/cart")
        done = self.submit("checkout", cart, "/orders/checkout", expect=(302, 200))
        if done is not None and done.status_code == 302:
            match = re.search(r"/orders/(\d+)$", urlsplit(done.headers.get("Location", "")).path)
            if match:
                with self.stats.lock:
                    self.stats.confirmed.append(("order", int(match.group(1)), self.email))

    def propose_and_sign(self) -> None:
        listing = self.rng.choice(self.world["hoi_listings"])
        done = self.submit("propose contract", f"/contracts/new?listing={listing}", "", expect=(302, 200))
        if done is None or done.status_code != 302:
            return
        match = re.search(r"/contracts/(\d+)", done.headers.get("Location", ""))
        if not match:
            return
        contract_id = int(match.group(1))
        with self.stats.lock:
            self.stats.confirmed.append(("contract", contract_id, self.email))
        self.think()
        signed = self.submit("sign", f"/contracts/{contract_id}", f"/contracts/{contract_id}/sign",
                             {"password": PASSWORD}, expect=(302, 200))
        if signed is not None and signed.status_code == 302:
            with self.stats.lock:
                self.stats.confirmed.append(("signature", contract_id, self.email))
                self.shared["to_sign"].append(contract_id)

    def edit_listing(self) -> None:
        """The cooperative changes a listing's price: a change the search index must follow."""
        listing = self.rng.choice(self.world["hoi_listings"])
        price = self.rng.randrange(90_000, 99_000)
        path = f"/workspace/{self.world['hoi_org']}/listings/{listing}/edit"
        # "negotiable" unticked: with it the site saves no price (the demo's spring listing has it ticked)
        done = self.submit("edit listing", path, "", {"price_per_unit": str(price), "negotiable": None},
                           expect=(302, 200))
        if done is not None and done.status_code == 302:
            with self.stats.lock:
                self.stats.confirmed.append(("listing_price", listing, price))

    def countersign(self) -> None:
        with self.stats.lock:
            contract_id = self.shared["to_sign"].pop(0) if self.shared["to_sign"] else None
        if contract_id is None:
            return self.browse()
        signed = self.submit("sign", f"/contracts/{contract_id}", f"/contracts/{contract_id}/sign",
                             {"password": PASSWORD}, expect=(302, 200))
        if signed is not None and signed.status_code == 302:
            with self.stats.lock:
                self.stats.confirmed.append(("signature", contract_id, self.email))


def world_of(pg: Postgres) -> dict:
    with pg.connect() as conn:
        listings = [r[0] for r in conn.execute("SELECT id FROM supply_listing WHERE status = 'open'")]
        products = [r[0] for r in conn.execute("SELECT id FROM ocop_product WHERE status = 'published'")]
        hoi = [r[0] for r in conn.execute(
            "SELECT l.id FROM supply_listing l JOIN organisation o ON o.id = l.organisation_id "
            "WHERE l.status = 'open' AND o.name LIKE 'HTX Hồi%'")]
        hoi_org = conn.execute("SELECT id FROM organisation WHERE name LIKE 'HTX Hồi%' ORDER BY id").fetchone()[0]
    return {"listings": listings, "products": products, "hoi_listings": hoi, "hoi_org": hoi_org}


def users_for(n: int) -> list[tuple[str, str | None]]:
    mix = []
    shops = ["cuahang@demo.langson.vn", "sieuthi@demo.langson.vn"]
    buyers = ["dn.chebien@demo.langson.vn", "dn.nhuathong@demo.langson.vn"]  # owners: they may sign
    sellers = ["htx.hoi@demo.langson.vn", "kyhd.hoi@demo.langson.vn"]
    for i in range(n):
        share = i / n
        if share < 0.4:
            mix.append(("browse", None))
        elif share < 0.7:
            mix.append(("search", None))
        elif share < 0.9:
            mix.append(("order", shops[i % 2]))
        elif share < 0.96:
            mix.append(("propose_and_sign", buyers[i % 2]))
        elif i < n - 1:
            mix.append(("countersign", sellers[i % 2]))
        else:
            mix.append(("edit_listing", "htx.hoi@demo.langson.vn"))
    return mix


# --- checks after the run ----------------------------------------------------------------------------------

def outbox(pg: Postgres) -> tuple[int, int | None]:
    with pg.connect() as conn:
        count, low = conn.execute("SELECT count(*), min(id) FROM search_outbox").fetchone()
    return count, low


def max_outbox_id(pg: Postgres) -> int:
    with pg.connect() as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM search_outbox").fetchone()[0]


def converge_after(pg: Postgres, since: float, limit: float = 300) -> float | None:
    """Seconds until every change queued before `since` (ES back) left the outbox; None past `limit`."""
    mark = None
    while time.monotonic() - since < limit:
        if mark is None:
            try:
                mark = max_outbox_id(pg)
            except psycopg.Error:
                time.sleep(0.5)
                continue
        try:
            count, low = outbox(pg)
            if count == 0 or low > mark:
                return time.monotonic() - since
        except psycopg.Error:
            pass
        time.sleep(0.5)
    return None


def lost(pg: Postgres, confirmed: list[tuple]) -> dict:
    with pg.connect() as conn:
        orders = {r[0] for r in conn.execute("SELECT id FROM shop_order")}
        contracts = {r[0] for r in conn.execute("SELECT id FROM contract")}
        signatures = Counter(r[0] for r in conn.execute("SELECT contract_id FROM contract_signature"))
    wanted = Counter()
    missing = Counter()
    for kind, object_id, _who in confirmed:
        wanted[kind] += 1
        if kind == "order" and object_id not in orders:
            missing["order"] += 1
        if kind == "contract" and object_id not in contracts:
            missing["contract"] += 1
    last_price = {listing: price for kind, listing, price in confirmed if kind == "listing_price"}
    with pg.connect() as conn:
        prices = dict(conn.execute("SELECT id, price_per_unit FROM supply_listing").fetchall())
    for listing, price in last_price.items():
        wanted["listing_price"] += 1
        if prices.get(listing) != price:
            missing["listing_price"] += 1
    for contract_id, count in Counter(c for k, c, _ in confirmed if k == "signature").items():
        if signatures[contract_id] < count:
            missing["signature"] += count - signatures[contract_id]
    return {"confirmed": dict(wanted), "missing": dict(missing)}


def outage_summary(backlog: list[tuple[float, int | None]], events: dict) -> dict:
    """The search outbox around the Elasticsearch outage: its peak, and when it was empty again."""
    during = [(t, n) for t, n in backlog if n is not None and events["es_stop"] <= t <= events["es_back"]]
    after = [(t, n) for t, n in backlog if n is not None and t >= events["es_stop"]]
    peak = max(during, key=lambda x: x[1], default=(None, 0))
    empty_again = next((t for t, n in after if n == 0 and peak[0] is not None and t > peak[0]), None)
    return {"peak_rows": peak[1], "peak_at_s": peak[0], "empty_again_at_s": empty_again,
            "seconds_after_es_back": None if empty_again is None else round(empty_again - events["es_back"], 1),
            "samples": backlog}


def server_errors(instance: Path) -> list[str]:
    """The first line and the last lines of every traceback the web server and the worker logged."""
    found = []
    for name in ("gunicorn.log", "worker.log"):
        path = instance / name
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                tail = [text for text in lines[i:i + 200] if text and not text.startswith(" ")][:3]
                found.append(f"{name}: " + " | ".join(tail)[:400])
    return found[:200]


def index_matches(es: Elasticsearch, pg: Postgres) -> dict:
    """Every open listing's price in the index equals the database's (the index converged)."""
    with pg.connect() as conn:
        prices = dict(conn.execute("SELECT id, price_per_unit FROM supply_listing WHERE status = 'open'").fetchall())
    differ = []
    for listing, price in prices.items():
        r = requests.get(f"{es.url}/market-load/_doc/listing:{listing}", timeout=10)
        source = r.json().get("_source", {}) if r.ok else {}
        if source.get("price") != price:
            differ.append((listing, price, source.get("price")))
    return {"open_listings": len(prices), "differ": differ}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=int, default=180)
    ap.add_argument("--port", type=int, default=5142)
    args = ap.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="market-load-"))
    pg = es = None
    processes: list[subprocess.Popen] = []
    try:
        pg = Postgres()
        es = Elasticsearch()
        env = app_env(pg, es, instance)
        print("migrating and seeding the demo market ...", flush=True)
        prepare(env)
        processes = start_site(env, args.port, instance)
        world = world_of(pg)
        base = f"http://127.0.0.1:{args.port}"
        stats, stop, shared = Stats(), threading.Event(), {"to_sign": []}
        users = [User(base, stats, kind, email, world, stop, shared) for kind, email in users_for(args.users)]
        started = time.monotonic()
        for user in users:
            user.start()
            time.sleep(0.05)
        events: dict[str, float] = {}
        backlog: list[tuple[float, int | None]] = []  # (seconds since start, outbox rows) every second

        def sample() -> None:
            while not stop.is_set():
                try:
                    backlog.append((round(time.monotonic() - started, 1), outbox(pg)[0]))
                except psycopg.Error:
                    backlog.append((round(time.monotonic() - started, 1), None))
                stop.wait(1.0)

        threading.Thread(target=sample, daemon=True).start()

        time.sleep(max(0, started + args.duration / 3 - time.monotonic()))
        print("restarting Elasticsearch ...", flush=True)
        events["es_stop"] = time.monotonic() - started
        es.stop_jvm()
        time.sleep(5)
        es.start_jvm()
        es_back = time.monotonic()
        events["es_back"] = es_back - started
        convergence: dict = {}
        watcher = threading.Thread(target=lambda: convergence.update(seconds=converge_after(pg, es_back)),
                                   daemon=True)
        watcher.start()

        # PostgreSQL after Elasticsearch, one fault at a time: at 2/3 of the run, and not before the index
        # converged (or 30 s passed) since Elasticsearch came back.
        watcher.join(max(0, es_back + 30 - time.monotonic()))
        time.sleep(max(0, started + 2 * args.duration / 3 - time.monotonic()))
        print("restarting PostgreSQL ...", flush=True)
        events["pg_restart"] = time.monotonic() - started
        pg.restart()
        events["pg_back"] = time.monotonic() - started

        time.sleep(max(0, started + args.duration - time.monotonic()))
        stop.set()
        for user in users:
            user.join(40)
        watcher.join(300)
        drained_after_stop = converge_after(pg, time.monotonic(), 300)
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                       f"load average at the end {os.getloadavg()[0]:.1f}",
            "users": args.users, "duration_s": args.duration, "events_s": events,
            "requests": stats.requests, "errors": dict(stats.errors.most_common()),
            "skipped_steps": dict(stats.skipped),
            "pages": {page: {"n": len(t), "p50_ms": round(statistics.median(t) * 1000),
                             "p95_ms": round(percentile(t, 95) * 1000)} for page, t in sorted(stats.times.items())},
            "search_converged_s_after_es_back": convergence.get("seconds"),
            "outbox_backlog": outage_summary(backlog, events),
            "outbox_empty_s_after_load": drained_after_stop,
            "lost": lost(pg, stats.confirmed),
            "index_after_load": index_matches(es, pg),
            "errors_when": [(round(t - started, 1), page, error) for t, page, error in stats.timeline][:3000],
            "server_errors_logged": server_errors(instance),
        }
        out = ROOT / "bench/results"
        out.mkdir(exist_ok=True)
        path = out / f"load_fault-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(json.dumps({k: v for k, v in result.items() if k != "errors_when"}, indent=2, ensure_ascii=False))
        print(f"written to {path}")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave servers behind
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        if es:
            es.stop()
        if pg:
            pg.stop()
        subprocess.run(["rm", "-rf", str(instance)])


if __name__ == "__main__":
    sys.exit(main())
