"""Benchmark: articles per second and peak memory of the whole pipeline, against spaCy alone in the same process.

    .venv/bin/python bench/pipeline.py [--rounds N]

Reads the bundled example articles (and ../shared/samples when present), repeats them N times, and prints
start-up time, throughput of spaCy parsing alone (the baseline), throughput of the full pipeline (ingest
objects -> nlp -> places -> actors -> events -> attribution), their ratio, and peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="times the article set is repeated")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from dateline import gazetteer, nlp
    from dateline.ingest import IngestError, read_paths
    from dateline.pipeline import code_many
    from dateline.resources import examples_dir

    sources = [examples_dir() / "articles"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "samples"
    if shared.exists():
        sources += sorted(shared.glob("*.txt"))
    base = [a for a in read_paths(sources) if not isinstance(a, IngestError)]
    articles = base * args.rounds
    nlp.load()
    gazetteer.load()
    from dateline import classifier, ontology

    classifier.for_ontology(ontology.load("plover"))  # the embedding model and the trained classifier
    classifier.encode(["warm-up"])
    startup = time.perf_counter() - t0
    words = sum(len(a.text.split()) for a in articles)
    print(f"articles: {len(articles)} ({len(base)} distinct x {args.rounds}), {words} words")
    print(f"start-up (imports, spaCy model, gazetteer, embedding model): {startup:.2f} s; "
          f"peak RSS so far {peak_rss_mb():.0f} MB")

    t = time.perf_counter()
    for _ in nlp.parse_many(a.text for a in articles):
        pass
    spacy_s = time.perf_counter() - t
    print(f"baseline, spaCy nlp.pipe only: {len(articles) / spacy_s:7.1f} articles/s  ({spacy_s:.2f} s)")

    t = time.perf_counter()
    events = sum(len(r.events) for r in code_many(articles))
    full_s = time.perf_counter() - t
    print(f"full pipeline:                 {len(articles) / full_s:7.1f} articles/s  ({full_s:.2f} s, {events} events)")
    print(f"pipeline / spaCy-only time:    {full_s / spacy_s:7.2f}x")

    t = time.perf_counter()
    events = sum(len(r.events) for r in code_many(articles, coder="cue"))
    cue_s = time.perf_counter() - t
    print(f"full pipeline, cues only:      {len(articles) / cue_s:7.1f} articles/s  ({cue_s:.2f} s, {events} events; "
          f"the classifier costs {full_s / cue_s:.2f}x)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
