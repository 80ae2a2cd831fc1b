"""Evaluate: score coded events against a gold file, per field (type, actor, recipient, date, place, status).

Gold format (JSONL, one article per line):
  {"source": "articles/x.txt" | "text": "...", "published_at": "...", "events": [
     {"type": "ASSAULT", "evidence": "a phrase of the event's sentence",
      "actor": {"country": "NGA", "sector": "REB"}, "recipient": {...},
      "date": "2024-03-12" | "2024-03-01/2024-03-31", "place": {"name": "Maiduguri", "country": "NGA"},
      "status": "reported", "negated": false, "future": false, "hypothetical": false}]}
`source` is read relative to the gold file (a `file.jsonl:N` source is line N of that file). A gold
event matches the predicted event whose evidence (or a merged mention) contains its `evidence` phrase.
A field is scored where the gold gives it; a predicted value the gold lacks counts against precision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.table import Table

from . import gazetteer
from .gazetteer import fold
from .ingest import IngestError, article_from_text, read_file
from .model import DateSource, Event
from .pipeline import code_many

FIELDS = ["type", "actor", "recipient", "date", "place", "status", "modality"]


@dataclass
class Tally:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    fields: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    articles: int = 0
    pairs: list = field(default_factory=list)


def load_gold(path: Path) -> list[tuple[object, dict]]:
    """(article, gold record) pairs; an article that cannot be read is an error, not a silent skip."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if "text" in record:
            article = article_from_text(record["text"], source_path=f"{path}:{number}",
                                        published_at=record.get("published_at"), outlet=record.get("outlet"))
        else:
            source, _, index = record["source"].partition(":")
            items = list(read_file(path.parent / source))
            item = items[int(index) - 1] if index else items[0]
            if isinstance(item, IngestError):
                raise ValueError(f"{path}:{number}: gold source unreadable: {item}")
            article = item
        out.append((article, record))
    return out


def evaluate_file(path: Path, ontology: str = "plover", details: bool = False, console=None) -> Scores:
    pairs = load_gold(path)
    scores = Scores(articles=len(pairs))
    results = code_many([a for a, _ in pairs], ontology)
    for (article, record), result in zip(pairs, results):
        score_article(result.events, record.get("events", []), scores, details, console)
    return scores


def score_article(predicted: list[Event], gold: list[dict], scores: Scores, details=False, console=None) -> None:
    matches = match(predicted, gold)
    t = scores.fields
    t["type"].predicted += len(predicted)
    t["type"].gold += len(gold)
    t["status"].predicted += len(predicted)
    t["status"].gold += sum(1 for g in gold if g.get("status"))
    for p in predicted:
        t["actor"].predicted += bool(p.actors)
        t["recipient"].predicted += bool(p.recipients)
        t["date"].predicted += bool(p.date and p.date.source != DateSource.publication)
        t["place"].predicted += p.place is not None
    for g in gold:
        t["actor"].gold += _coded(g.get("actor"))
        t["recipient"].gold += _coded(g.get("recipient"))
        t["date"].gold += bool(g.get("date"))
        t["place"].gold += bool(g.get("place"))
    t["modality"].gold += len(gold)
    t["modality"].predicted += len(matches)
    for g, p in matches:
        t["type"].tp += p.type == g["type"]
        t["status"].tp += g.get("status") == p.attribution.status.value
        t["actor"].tp += _coded(g.get("actor")) and _actor_match(g["actor"], p.actors)
        t["recipient"].tp += _coded(g.get("recipient")) and _actor_match(g["recipient"], p.recipients)
        t["date"].tp += bool(g.get("date")) and _date_match(g["date"], p)
        t["place"].tp += bool(g.get("place")) and _place_match(g["place"], p)
        t["modality"].tp += all(bool(g.get(f, False)) == getattr(p, f) for f in ("negated", "future", "hypothetical"))
        if details and console is not None:
            console.print(f"[bold]{g['type']}[/bold] ~ {p.type}: {g['evidence']!r}")
    if details and console is not None:
        matched = {id(p) for _, p in matches}
        for p in predicted:
            if id(p) not in matched:
                console.print(f"[yellow]unmatched prediction[/yellow] {p.type}: {p.evidence.sentence[:90]!r}")
        for g in gold:
            if not any(g is x for x, _ in matches):
                console.print(f"[red]missed[/red] {g['type']}: {g['evidence']!r}")


def match(predicted: list[Event], gold: list[dict]) -> list[tuple[dict, Event]]:
    """Pair gold and predicted events by evidence, the same type first; each used once."""
    used: set[int] = set()
    pairs = []
    for same_type in (True, False):
        for g in gold:
            if any(g is x for x, _ in pairs):
                continue
            phrase = g["evidence"].lower()
            for i, p in enumerate(predicted):
                if i in used or (same_type and p.type != g["type"]):
                    continue
                sentences = [p.evidence.sentence] + [m.sentence for m in p.mentions]
                if any(phrase in s.lower() for s in sentences):
                    used.add(i)
                    pairs.append((g, p))
                    break
    return pairs


def _coded(actor: dict | None) -> bool:
    return bool(actor) and bool(actor.get("country") or actor.get("sector"))


def _actor_match(gold: dict, actors) -> bool:
    return any((gold.get("country") is None or a.country == gold["country"])
               and (gold.get("sector") is None or a.sector == gold["sector"]) for a in actors)


def _date_match(gold: str, p: Event) -> bool:
    if not p.date or p.date.source == DateSource.publication:
        return False
    first, _, last = gold.partition("/")
    g0, g1 = date.fromisoformat(first), date.fromisoformat(last or first)
    # A point date must fall in the gold range; a predicted range must overlap it and be no wider than a month.
    return p.date.start <= g1 and g0 <= p.date.end and (p.date.end - p.date.start).days <= max(31, (g1 - g0).days)


def _place_match(gold: dict, p: Event) -> bool:
    if p.place is None:
        return False
    if gold.get("country") and p.place.country != gold["country"]:
        return False
    ids = {e.id for e in gazetteer.load().lookup(gold["name"]) if e.country == p.place.country}
    return p.place.gazetteer_id in ids or fold(gold["name"]) == fold(p.place.name) or fold(gold["name"]) == fold(p.place.text)


def report(scores: Scores, title: str = "") -> Table:
    table = Table(title=f"{title}: {scores.articles} articles, {scores.fields['type'].gold} gold events")
    for col in ("field", "precision", "recall", "F1", "tp", "predicted", "gold"):
        table.add_column(col, justify="right" if col != "field" else "left")
    for name in FIELDS:
        t = scores.fields[name]
        table.add_row(name, f"{t.precision:.2f}", f"{t.recall:.2f}", f"{t.f1:.2f}", str(t.tp), str(t.predicted), str(t.gold))
    return table
