"""Engine: code shards (Parquet, WARC, JSONL files or folders) to one output file each, in this process or on Ray.

The same `ShardCoder` runs in both engines: it loads the models once (per process, or per Ray actor) and
turns one shard into one Parquet file of articles, events and problems, written to a temporary name and
renamed when complete, so a shard whose output exists is finished and a restarted run skips it. Loading
the outputs into the database goes through the `Runner`, with the same copy detection as `dateline ingest`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .model import Article, Event, stable_id

OUTPUT_SUFFIX = ".coded.parquet"
ENGINES = ("local", "ray")
SUMMARY_KEYS = ("shard", "status", "articles", "events", "problems", "seconds")


def output_path(shard: str | Path, out_dir: str | Path) -> Path:
    """The shard's output file; the hash of its full path keeps same-named shards from different folders apart."""
    shard = Path(shard)
    return Path(out_dir) / f"{shard.name}.{stable_id(str(shard.resolve()), length=8)}{OUTPUT_SUFFIX}"


class ShardCoder:
    """Codes whole shards; construct once per worker (the constructor loads the models)."""

    def __init__(self, out_dir: str, ontology: str = "plover", coder: str = "hybrid", batch_size: int = 32,
                 threads: int | None = None):
        from . import classifier, gazetteer, nlp
        from . import ontology as ontology_stage

        if threads:
            import torch

            torch.set_num_threads(threads)  # two workers on two cores must not each start two threads
        self.out_dir, self.ontology, self.coder, self.batch_size = Path(out_dir), ontology, coder, batch_size
        self.out_dir.mkdir(parents=True, exist_ok=True)
        nlp.load()
        gazetteer.load()
        if coder == "hybrid":
            classifier.for_ontology(ontology_stage.load(ontology))
            classifier.encoder()

    def code(self, shard: str) -> dict:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .ingest import IngestError, read_paths
        from .pipeline import code_many

        started = time.perf_counter()
        out = output_path(shard, self.out_dir)
        if out.exists():
            return dict(shard=str(shard), status="skipped", articles=0, events=0, problems=0, seconds=0.0)
        rows: list[dict] = []
        problems: list[dict] = []

        def articles() -> Iterator[Article]:
            for item in read_paths([shard]):
                if isinstance(item, IngestError):
                    problems.append(dict(kind="problem", id=item.source, stage="read", json=item.reason))
                else:
                    yield item

        counts = {"articles": 0, "events": 0}
        for result in code_many(articles(), self.ontology, self.batch_size, coder=self.coder):
            if result.error:
                problems.append(dict(kind="problem", id=result.article.source_path or result.article.id,
                                     stage="code", json=f"coding failed: {result.error}"))
                continue
            counts["articles"] += 1
            counts["events"] += len(result.events)
            rows.append(dict(kind="article", id=result.article.id, stage=None, json=result.article.model_dump_json()))
            rows += [dict(kind="event", id=e.id, stage=None, json=e.model_dump_json()) for e in result.events]
        rows += problems
        schema = pa.schema([("kind", pa.string()), ("id", pa.string()), ("stage", pa.string()), ("json", pa.string())])
        partial = out.with_name(out.name + f".{os.getpid()}.partial")
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), partial, compression="zstd")
        os.replace(partial, out)  # atomic: the output exists only once it is whole
        return dict(shard=str(shard), status="coded", articles=counts["articles"], events=counts["events"],
                    problems=len(problems), seconds=round(time.perf_counter() - started, 2))

    def __call__(self, batch: dict) -> dict:
        """Ray Data's map_batches entry point: a batch of shard paths in, one summary row per shard out."""
        results = [self.code(str(s)) for s in batch["shard"]]
        return {k: [r[k] for r in results] for k in SUMMARY_KEYS}


def run_shards(shards: list[str], out_dir: str | Path, engine: str = "local", ontology: str = "plover",
               coder: str = "hybrid", batch_size: int = 32, workers: int | None = None,
               cpus_per_worker: float = 0.5) -> Iterator[dict]:
    """Code every shard not yet coded; yields one summary per shard as it finishes (skipped ones first)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    todo = []
    for shard in shards:
        if output_path(shard, out_dir).exists():
            yield dict(shard=str(shard), status="skipped", articles=0, events=0, problems=0, seconds=0.0)
        else:
            todo.append(str(shard))
    if not todo:
        return
    if engine == "local":
        worker = ShardCoder(str(out_dir), ontology, coder, batch_size)
        for shard in todo:
            yield worker.code(shard)
        return
    yield from _run_ray(todo, out_dir, ontology, coder, batch_size, workers, cpus_per_worker)


def _run_ray(todo, out_dir, ontology, coder, batch_size, workers, cpus_per_worker) -> Iterator[dict]:
    import ray

    cpus = os.cpu_count() or 1
    workers = max(1, min(workers or cpus, len(todo)))
    started_here = not ray.is_initialized()
    if started_here:
        # Fractional CPUs: Ray Data's own read and scheduling tasks need a share of the cores too; two
        # 1-CPU actors on a 2-core machine would leave them none and the run would never progress.
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False,
                 object_store_memory=256 * 1024 * 1024)
    import logging

    for name in ("ray", "ray.data"):  # the run prints its own line per shard
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ds = ray.data.from_items([{"shard": s} for s in todo], override_num_blocks=len(todo))
        ds = ds.map_batches(
            ShardCoder,
            fn_constructor_kwargs=dict(out_dir=str(out_dir), ontology=ontology, coder=coder, batch_size=batch_size,
                                       threads=max(1, cpus // workers)),
            batch_size=1, concurrency=workers, num_cpus=cpus_per_worker,
        )
        for row in ds.iter_rows():
            yield {k: row[k] for k in SUMMARY_KEYS}
    finally:
        if started_here:
            ray.shutdown()


def read_output(path: Path) -> Iterator[tuple]:
    """('article', Article, [Event…]) and ('problem', source, stage, reason) tuples from a shard's output file."""
    import pyarrow.parquet as pq

    current: tuple | None = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            if row["kind"] == "event":
                current[2].append(Event.model_validate_json(row["json"]))
                continue
            if current is not None:
                yield current
                current = None
            if row["kind"] == "article":
                current = ("article", Article.model_validate_json(row["json"]), [])
            else:
                yield ("problem", row["id"], row["stage"], row["json"])
    if current is not None:
        yield current


def load_outputs(shards: Iterable[str], out_dir: str | Path, runner, on_article: Callable[[], None] | None = None) -> None:
    """Store the coded shards in shard order (idempotent: what is stored is skipped, copies are linked)."""
    for shard in shards:
        path = output_path(shard, out_dir)
        if not path.exists():
            runner.problem(str(shard), "code", "shard has no output (coding failed or was interrupted)")
            continue
        for record in read_output(path):
            if record[0] == "problem":
                runner.problem(record[1], record[2], record[3])
                continue
            runner.stats.read += 1
            runner.store_coded(record[1], record[2])
            if on_article:
                on_article()
