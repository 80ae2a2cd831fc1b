"""Cluster evaluation: copy detection and event-cluster merging scored against a gold file (pairwise and B-cubed).

The gold file is JSONL, one article per line, readable by `dateline ingest` as it is:

    {"id": "k02", "url": "...", "outlet": "...", "published_at": "...", "title": "...", "text": "...",
     "copy_of": "k01",                       # null unless the article repeats another one's text
     "events": [{"cluster": "kirkuk-bomb",   # gold event: the same name across articles is the same event
                 "sentence": "A car bomb exploded at a crowded vegetable market"}]}

Each (article, gold event) is an item. Its predicted cluster is that of the coded event whose evidence
contains the gold sentence (a copy's items use its original's events); an item no event covers is a
cluster of its own, so missed events cost recall, as they should.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path


@dataclass
class ClusterScores:
    articles: int = 0
    items: int = 0
    matched: int = 0
    gold_clusters: int = 0
    predicted_clusters: int = 0  # distinct predicted clusters over the gold items
    stored_clusters: int = 0  # all clusters in the database (reactions, side events included)
    pairwise: tuple[float, float, float] = (0.0, 0.0, 0.0)
    bcubed: tuple[float, float, float] = (0.0, 0.0, 0.0)
    copies: tuple[float, float, float] = (0.0, 0.0, 0.0)
    copy_counts: tuple[int, int, int] = (0, 0, 0)  # gold copies, predicted copies, right
    per_cluster: list[dict] = field(default_factory=list)


def _prf(tp: float, predicted: float, gold: float) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / gold if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pairwise(gold: list[str], predicted: list[str]) -> tuple[float, float, float]:
    """Precision and recall over pairs of items put in one cluster."""
    same_gold = same_pred = both = 0
    for i, j in combinations(range(len(gold)), 2):
        g, p = gold[i] == gold[j], predicted[i] == predicted[j]
        same_gold += g
        same_pred += p
        both += g and p
    return _prf(both, same_pred, same_gold)


def bcubed(gold: list[str], predicted: list[str]) -> tuple[float, float, float]:
    """B-cubed precision and recall: per item, the share of its predicted cluster that is right, and the reverse."""
    n = len(gold)
    if not n:
        return 1.0, 1.0, 1.0
    by_gold, by_pred = defaultdict(set), defaultdict(set)
    for i, (g, p) in enumerate(zip(gold, predicted)):
        by_gold[g].add(i)
        by_pred[p].add(i)
    precision = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in range(n)) / n
    recall = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in range(n)) / n
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def load_gold(path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not record.get("id") or not record.get("url"):
            raise ValueError(f"{path}:{number}: a cluster gold record needs an 'id' and a 'url'")
        records.append(record)
    return records


def evaluate_clusters(path: Path, ontology: str = "plover", coder: str = "hybrid") -> ClusterScores:
    from .ingest import read_paths
    from .runner import Runner
    from .store import Store

    gold = load_gold(path)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "eval.duckdb") as store:
        runner = Runner(store, ontology, coder)
        runner.ingest(read_paths([path]))
        runner.recluster()
        stored = dict(store.db.execute("SELECT url, id FROM articles").fetchall())
        copies = dict(store.db.execute("SELECT url, article_id FROM copies").fetchall())
        events = defaultdict(list)
        for e in store.events():
            events[e.article_id].append(e)
        clusters = {c.id: c for c in store.clusters()}
        scores = ClusterScores(articles=len(gold), stored_clusters=len(clusters))

    original_of = {}  # gold id -> stored article id the predictions come from
    for r in gold:
        original_of[r["id"]] = stored.get(r["url"]) or copies.get(r["url"])

    # Copy detection: which articles were linked to which stored original.
    url_to_gold = {r["url"]: r["id"] for r in gold}
    stored_to_gold = {aid: url_to_gold[url] for url, aid in stored.items() if url in url_to_gold}
    gold_copies = {r["id"]: r["copy_of"] for r in gold if r.get("copy_of")}
    predicted_copies = {url_to_gold[url]: stored_to_gold.get(aid) for url, aid in copies.items() if url in url_to_gold}
    right = sum(1 for c, o in predicted_copies.items() if gold_copies.get(c) == o)
    scores.copy_counts = (len(gold_copies), len(predicted_copies), right)
    scores.copies = _prf(right, len(predicted_copies), len(gold_copies))

    gold_labels, predicted_labels = [], []
    for r in gold:
        for k, item in enumerate(r.get("events") or []):
            candidates = [e for e in events.get(original_of[r["id"]], [])
                          if item["sentence"] in e.evidence.sentence
                          or any(item["sentence"] in m.sentence for m in e.mentions)]
            if candidates:
                # One sentence can yield two events (a detention and a shooting): take the widest-reported.
                best = max(candidates, key=lambda e: (clusters[e.cluster_id].article_count if e.cluster_id in clusters
                                                      else 0, -e.evidence.start))
                predicted_labels.append(best.cluster_id or f"event:{best.id}")
                scores.matched += 1
            else:
                predicted_labels.append(f"missed:{r['id']}:{k}")
            gold_labels.append(item["cluster"])
    scores.items = len(gold_labels)
    scores.gold_clusters = len(set(gold_labels))
    scores.predicted_clusters = len(set(predicted_labels))
    scores.pairwise = pairwise(gold_labels, predicted_labels)
    scores.bcubed = bcubed(gold_labels, predicted_labels)

    for name in dict.fromkeys(gold_labels):
        members = [i for i, g in enumerate(gold_labels) if g == name]
        articles = [r for r in gold if any(e["cluster"] == name for e in r.get("events") or [])]
        independent = {r["outlet"].lower() for r in articles if not r.get("copy_of")}
        main, n = Counter(predicted_labels[i] for i in members).most_common(1)[0]
        cluster = clusters.get(main)
        scores.per_cluster.append(dict(
            cluster=name, gold_articles=len(articles), gold_outlets=len(independent),
            pieces=len({predicted_labels[i] for i in members}),
            articles=cluster.article_count if cluster else 0,
            outlets=cluster.independent_outlets if cluster else 0,
            type=cluster.type if cluster else "(missed)"))
    return scores


def report_lines(scores: ClusterScores) -> list[str]:
    fmt = lambda t: f"P {t[0]:.3f}  R {t[1]:.3f}  F1 {t[2]:.3f}"  # noqa: E731
    gold_copies, predicted_copies, right = scores.copy_counts
    return [
        f"{scores.articles} articles, {scores.items} gold event reports in {scores.gold_clusters} gold events; "
        f"{scores.matched} reports found by the coder",
        f"copies (syndicated/near-identical articles): {fmt(scores.copies)}  "
        f"({right} right of {predicted_copies} linked; {gold_copies} in the gold)",
        f"event clusters, pairwise:  {fmt(scores.pairwise)}",
        f"event clusters, B-cubed:   {fmt(scores.bcubed)}",
        f"clusters over the gold reports: {scores.predicted_clusters} (gold: {scores.gold_clusters}); "
        f"clusters in the database, side events included: {scores.stored_clusters}",
    ]
