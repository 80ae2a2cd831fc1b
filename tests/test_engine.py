"""`dateline run`: shards coded to one output each, finished shards skipped, and Ray giving the local engine's records."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dateline.cli import app
from dateline.engine import output_path
from dateline.resources import examples_dir
from test_resume import snapshot


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """The cluster gold split into three Parquet shards and one JSONL shard with a bad line."""
    folder = tmp_path_factory.mktemp("shards")
    rows = [json.loads(line) for line in (examples_dir() / "clusters" / "articles.jsonl").read_text().splitlines()]
    keep = ("text", "title", "url", "outlet", "published_at")
    paths = []
    for i in range(3):
        path = folder / f"part-{i}.parquet"
        pq.write_table(pa.Table.from_pylist([{k: r[k] for k in keep} for r in rows[i * 6:(i + 1) * 6]]), path)
        paths.append(path)
    tail = folder / "part-3.jsonl"
    tail.write_text("\n".join(json.dumps({k: r[k] for k in keep}) for r in rows[18:]) + "\n{broken\n")
    return paths + [tail]


def run(shards, out, db, engine="local"):
    args = ["run", *map(str, shards), "--out", str(out), "--db", str(db), "--engine", engine, "--coder", "cue"]
    return CliRunner().invoke(app, args)


def test_local_engine_skips_finished_shards_and_matches_ingest(shards, tmp_path):
    out, db = tmp_path / "out", tmp_path / "run.duckdb"
    first = run(shards, out, db)
    assert first.exit_code == 1 and "part-3.jsonl:7" in first.output  # the bad line is reported
    assert all(output_path(s, out).exists() for s in shards)
    assert "4 shards coded, 0 already done" in first.output
    expected = snapshot(db)
    assert len(expected["copies"]) == 5 and len(expected["articles"]) == 19

    output_path(shards[1], out).unlink()  # as if the run had died while coding this shard
    again = run(shards, out, db)
    assert "1 shards coded, 3 already done" in again.output
    assert snapshot(db) == expected

    ingested = tmp_path / "ingest.duckdb"
    CliRunner().invoke(app, ["ingest", *map(str, shards), "--db", str(ingested), "--coder", "cue"])
    assert {t: len(rows) for t, rows in snapshot(ingested).items()} == {t: len(rows) for t, rows in expected.items()}


def test_ray_engine_gives_the_same_records(shards, tmp_path):
    pytest.importorskip("ray")
    local_db, ray_db = tmp_path / "local.duckdb", tmp_path / "ray.duckdb"
    run(shards, tmp_path / "local", local_db)
    result = run(shards, tmp_path / "ray", ray_db, engine="ray")
    assert "4 shards coded" in result.output, result.output
    assert snapshot(ray_db) == snapshot(local_db)
    rerun = run(shards, tmp_path / "ray", ray_db, engine="ray")
    assert "0 shards coded, 4 already done" in rerun.output
