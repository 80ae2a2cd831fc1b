"""Benchmark: sentences per second of the event coder alone, and articles per second end to end, per ontology.

    .venv/bin/python bench/coder.py [--rounds N] [--ontology plover|acled|PATH]

The coder alone is timed on articles already parsed by spaCy (so the figure is the coder's own cost):
first with cues only, then with the sentence classifier (MiniLM embeddings, batched per article batch).
End to end is text in, events out (spaCy + places + classifier + coder), the same articles, same process.
Inputs: the bundled example articles and the sentence-level development gold, repeated N times.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times the input set is repeated")
    parser.add_argument("--ontology", default="plover")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from dateline import classifier, events, gazetteer, nlp, ontology, places
    from dateline.ingest import IngestError, article_from_text, read_paths
    from dateline.pipeline import _sentence_scores, code_many
    from dateline.resources import examples_dir

    onto = ontology.load(args.ontology)
    base = [a for a in read_paths([examples_dir() / "articles"]) if not isinstance(a, IngestError)]
    for line in (examples_dir() / "sentences.jsonl").read_text().splitlines():
        record = json.loads(line)
        base.append(article_from_text(record["text"], published_at=record["published_at"], source_path="bench"))
    articles = base * args.rounds
    nlp.load()
    gazetteer.load()
    model = classifier.for_ontology(onto)
    classifier.encode(["warm-up"])
    startup = time.perf_counter() - t0
    print(f"ontology {onto.name}: {len(onto.types)} types; start-up (spaCy, gazetteer, MiniLM, classifier) {startup:.1f} s")

    docs = list(nlp.parse_many(a.text for a in articles))
    sentences = sum(len(list(d.sents)) for d in docs)
    toponyms = [places.extract_places(d) for d in docs]
    print(f"input: {len(articles)} articles ({len(base)} distinct x {args.rounds}), {sentences} sentences")

    t = time.perf_counter()
    n_cue = sum(len(events.code_article(a, d, onto, tp)) for a, d, tp in zip(articles, docs, toponyms))
    cue_s = time.perf_counter() - t
    print(f"coder alone, cues only:            {sentences / cue_s:8.0f} sentences/s  ({n_cue} events)")

    t = time.perf_counter()
    n_hybrid = 0
    for start in range(0, len(docs), nlp.BATCH_SIZE):
        batch = slice(start, start + nlp.BATCH_SIZE)
        scores = _sentence_scores(model, docs[batch])
        for a, d, tp, s in zip(articles[batch], docs[batch], toponyms[batch], scores):
            n_hybrid += len(events.code_article(a, d, onto, tp, s))
    hybrid_s = time.perf_counter() - t
    print(f"coder alone, cues + classifier:    {sentences / hybrid_s:8.0f} sentences/s  ({n_hybrid} events; "
          f"{hybrid_s / cue_s:.1f}x the cue-only time)")

    t = time.perf_counter()
    n_end = sum(len(r.events) for r in code_many(articles, args.ontology))
    end_s = time.perf_counter() - t
    print(f"end to end (spaCy + places + coder): {len(articles) / end_s:6.1f} articles/s, "
          f"{sentences / end_s:.0f} sentences/s  ({n_end} events)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
