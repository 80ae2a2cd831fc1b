"""Benchmark: end-to-end articles per second of `dateline run` with the local engine and with Ray, and peak memory.

    .venv/bin/python bench/run.py [--articles N] [--shards K] [--workers W] [--coder hybrid|cue] [--join J]

Builds N articles by repeating the bundled examples (each with its own reference line, so every one is
coded; at load time the repeats are recognised as copies), writes them as K Parquet shards, and times,
in this one process:
  1. the local engine coding every shard (models loaded once);
  2. loading the coded shards into a fresh DuckDB file (copy detection, storing, clustering);
  3. the Ray engine coding the same shards with W actors of fractional CPUs (models loaded once per actor).
--join J makes each benchmark article of J example articles in a row (the examples are short; J=5 gives
about 350 words, a usual news article). Peak memory is the largest resident set of this process and all its children (Ray's workers included),
sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path


class PeakMemory:
    """Samples the resident memory of this process tree in a thread."""

    def __init__(self):
        import psutil

        self.me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        total = 0
        for proc in [self.me, *self.me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except Exception:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            time.sleep(0.1)

    def __enter__(self):
        self.peak = self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def build_shards(folder: Path, n: int, k: int, join: int = 1) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dateline.ingest import IngestError, read_paths
    from dateline.resources import examples_dir

    sources = [examples_dir() / "articles", examples_dir() / "clusters" / "articles.jsonl"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "samples"
    if shared.exists():
        sources += sorted(shared.glob("*.txt"))
    base = [a for a in read_paths(sources) if not isinstance(a, IngestError)]
    rows = []
    for i in range(n):
        a = base[i % len(base)]
        published = a.published_at.isoformat() if a.published_at else None
        text = "\n\n".join(base[(i + j) % len(base)].text for j in range(join))
        rows.append(dict(text=f"{text}\n\nBenchmark reference {i}.",
                         title=a.title, url=f"https://bench.example/{i}", outlet=a.outlet, published_at=published))
    paths = []
    per = -(-n // k)
    for s in range(k):
        path = folder / f"bench-{s:03d}.parquet"
        pq.write_table(pa.Table.from_pylist(rows[s * per:(s + 1) * per]), path)
        paths.append(path)
    words = sum(len(r["text"].split()) for r in rows) / len(rows)
    print(f"{len(base)} distinct example articles, {words:.0f} words per article on average")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=240)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cpus-per-worker", type=float, default=0.5)
    parser.add_argument("--coder", default="hybrid")
    parser.add_argument("--join", type=int, default=1, help="example articles per benchmark article")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()

    from dateline.engine import load_outputs, run_shards
    from dateline.runner import Runner
    from dateline.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="dateline-bench-"))
    try:
        shards = build_shards(tmp, args.articles, args.shards, args.join)
        print(f"{args.articles} articles in {len(shards)} Parquet shards; coder {args.coder}; "
              f"{os.cpu_count()} CPUs")

        from dateline.engine import ShardCoder

        with PeakMemory() as mem:
            t = time.perf_counter()
            ShardCoder(str(tmp / "local"), coder=args.coder)  # loads the models; the engine then finds them loaded
            loading_s = time.perf_counter() - t
            t = time.perf_counter()
            summaries = list(run_shards([str(s) for s in shards], tmp / "local", "local", coder=args.coder))
            local_s = time.perf_counter() - t
        coded = sum(s["articles"] for s in summaries)
        print(f"model loading (once per process or actor): {loading_s:.1f} s")
        print(f"local engine, coding:     {coded / local_s:6.1f} articles/s ({local_s:.1f} s, "
              f"{sum(s['events'] for s in summaries)} events; {coded / (local_s + loading_s):.1f} articles/s counting "
              f"the loading); peak memory {mem.peak / 2**30:.2f} GiB")

        with PeakMemory() as mem, Store(tmp / "bench.duckdb") as store:
            t = time.perf_counter()
            runner = Runner(store, coder=args.coder)
            load_outputs([str(s) for s in shards], tmp / "local", runner)
            clusters = runner.recluster()
            load_s = time.perf_counter() - t
        print(f"loading into DuckDB:      {coded / load_s:6.1f} articles/s ({load_s:.1f} s: copy check, "
              f"{runner.stats.added} stored, {runner.stats.copies} linked as copies, {clusters} clusters)")
        print(f"local end to end:         {coded / (local_s + load_s):6.1f} articles/s (models loaded; "
              f"{coded / (loading_s + local_s + load_s):.1f} counting the loading)")

        if not args.skip_ray:
            with PeakMemory() as mem:
                t = time.perf_counter()
                summaries = list(run_shards([str(s) for s in shards], tmp / "ray", "ray", coder=args.coder,
                                            workers=args.workers, cpus_per_worker=args.cpus_per_worker))
                ray_s = time.perf_counter() - t
            coded = sum(s["articles"] for s in summaries)
            print(f"Ray engine, coding:       {coded / ray_s:6.1f} articles/s ({ray_s:.1f} s incl. Ray start-up and "
                  f"model loading in {args.workers} actors x {args.cpus_per_worker} CPU); peak memory "
                  f"{mem.peak / 2**30:.2f} GiB")
            print(f"Ray end to end:           {coded / (ray_s + load_s):6.1f} articles/s (same load step)")
            print(f"Ray / local coding time:  {ray_s / local_s:6.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
