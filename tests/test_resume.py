"""A batch run killed with SIGKILL at any moment and run again ends with exactly the records of an uninterrupted run."""

import os
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest

from dateline.resources import examples_dir

TABLES = {
    "articles": "SELECT * FROM articles ORDER BY id",
    "events": "SELECT * FROM events ORDER BY id",
    "copies": "SELECT * FROM copies ORDER BY id",
    "clusters": "SELECT * FROM clusters ORDER BY id",
    "signatures": "SELECT * FROM signatures ORDER BY article_id",
    "problems": "SELECT id, source, stage, reason FROM problems ORDER BY id",  # seen_at is when, not what
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Example articles, the cluster gold (with syndicated copies) and a broken file, in one folder."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in (examples_dir() / "articles").iterdir():
        shutil.copy(path, folder / path.name)
    shutil.copy(examples_dir() / "clusters" / "articles.jsonl", folder / "zz-clusters.jsonl")
    (folder / "broken.jsonl").write_text('{"text": "A line that is fine but far too short."}\n{not json\n')
    return folder


def command(corpus, db):
    return [sys.executable, "-m", "dateline", "ingest", str(corpus), "--db", str(db), "--coder", "cue",
            "--batch-size", "4"]


def snapshot(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


def run_and_kill(args, after_batches: int) -> int:
    """Start the run, SIGKILL it as soon as it reports `after_batches` stored batches; the batches it reported."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    seen = 0
    for line in proc.stderr:
        if line.startswith("batch "):
            seen += 1
            if seen == after_batches:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return seen


def test_killed_runs_resume_to_the_same_records(corpus, tmp_path):
    reference = tmp_path / "reference.duckdb"
    done = subprocess.run(command(corpus, reference), capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # the broken file is reported: exit 1, the rest stored
    expected = snapshot(reference)
    assert len(expected["articles"]) > 30 and len(expected["copies"]) == 5 and expected["problems"]

    db = tmp_path / "resumed.duckdb"
    run_and_kill(command(corpus, db), after_batches=2)  # killed in the middle of batch 3
    partial = snapshot(db)
    assert 0 < len(partial["articles"]) < len(expected["articles"])
    run_and_kill(command(corpus, db), after_batches=6)  # and again, later
    assert len(snapshot(db)["articles"]) > len(partial["articles"])
    final = subprocess.run(command(corpus, db), capture_output=True, text=True)
    assert final.returncode == 1
    got = snapshot(db)
    for table in TABLES:
        assert len(got[table]) == len(expected[table]), table
        assert got[table] == expected[table], table
    print({table: len(rows) for table, rows in got.items()})
