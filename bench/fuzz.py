#!/usr/bin/env python
"""Long fuzz run: the generator of tests/test_fuzz.py (tests/fuzzing.py) for many more inputs, on SQLite or
PostgreSQL, against a throwaway market holding one person of every kind and one object behind every address.

    .venv/bin/python bench/fuzz.py [--examples 10000] [--database sqlite | postgresql+psycopg://.../db]

Every route of `app.url_map` (GET and POST), as anonymous, each member role of the owning cooperative, another
cooperative, each kind of buyer, department and commune staff and an unverified organisation; hostile path
values, query strings and form or JSON bodies. Counts the answers by status, every 5xx (with its traceback: the
app propagates exceptions) and every refused submission (4xx) after which some table's row count changed. The
world is not put back between inputs (unlike the test): later inputs meet whatever earlier ones changed.
Prints a Markdown summary and writes bench/results/fuzz-<engine>-<timestamp>.json. The PostgreSQL database
given is emptied first (every table dropped).
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--database", default="sqlite", help="'sqlite' (a temporary file) or a PostgreSQL URL")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="market-fuzz-"))
    os.environ["MARKET_INSTANCE_DIR"] = str(workdir)
    os.environ.pop("ELASTICSEARCH_URL", None)
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore")
    url = f"sqlite:///{workdir / 'market.sqlite3'}" if args.database == "sqlite" else args.database

    import sqlalchemy as sa
    from flask_migrate import upgrade
    from hypothesis import HealthCheck, given, seed, settings

    from market import create_app
    from market.extensions import db
    from market.services import reference_data
    from tests.factories import Factory
    from tests.fuzzing import describe, requests, routes, send
    from tests.roles import build

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SEARCH_SQLITE_PATH": str(workdir / "search.sqlite3"),
        "ELASTICSEARCH_URL": None, "MAIL_SUPPRESS_SEND": True, "RATELIMIT_STORAGE_URI": "memory://",
        "PROPAGATE_EXCEPTIONS": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(workdir / "uploads"),
    })
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "migrations"))
        reference_data.seed_plan()
        db.session.commit()
        db.session.remove()
    world = build(Factory(app), app, str(workdir / "uploads"))
    all_routes = routes(app)
    statuses: Counter = Counter()
    by_route: Counter = Counter()
    errors: list[str] = []
    saved: list[str] = []
    started = time.perf_counter()

    @seed(args.seed)
    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(requests(app, world, all_routes))
    def run(sent):
        outcome = send(app, world, sent)
        statuses[outcome.status] += 1
        by_route[f"{sent.route.method} {sent.route.rule.rule}"] += 1
        if outcome.status >= 500:
            errors.append(describe(sent, outcome))
        elif outcome.rejected_but_saved:
            saved.append(describe(sent, outcome))
        done = sum(statuses.values())
        if done % 1000 == 0:
            print(f"  {done} inputs, {sum(n for s, n in statuses.items() if s >= 500)} 5xx, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)

    run()
    elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    five = sum(n for s, n in statuses.items() if s >= 500)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "engine": engine, "inputs": total,
        "seconds": round(elapsed, 1), "five_xx": five, "refused_but_saved": len(saved),
        "statuses": dict(sorted(statuses.items())), "routes": len({r.rule.rule + r.method for r in all_routes}),
        "routes_hit": len(by_route), "machine": f"{platform.node()} {os.cpu_count()} cores, Python "
                                                 f"{platform.python_version()}",
        "errors": errors[:50], "saved": saved[:50], "seed": args.seed,
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"fuzz-{engine}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\n| engine | inputs | routes hit | 5xx | refused but saved | time |\n| --- | --- | --- | --- | --- | --- |\n"
          f"| {engine} | {total:,} | {len(by_route)} of {report['routes']} | {five} | {len(saved)} | "
          f"{elapsed:.0f} s |")
    print("statuses:", ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    for line in errors[:10] + saved[:10]:
        print("\n" + line)
    print(f"\n{out}")
    return 1 if five or saved else 0


if __name__ == "__main__":
    sys.exit(main())
