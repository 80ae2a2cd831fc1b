"""Evaluate: score coded events against a gold file: event types (per type, macro and weighted F1, confusion
matrix) and each field (actor, recipient, date, place, status, modality).

Gold format (JSONL, one article or sentence per line):
  {"source": "articles/x.txt" | "text": "...", "published_at": "...", "events": [
     {"type": "ASSAULT", "types": {"acled": "ARMED_CLASH"}, "mode": "firearms",
      "evidence": "a phrase of the event's sentence",
      "actor": {"country": "NGA", "sector": "REB"}, "recipient": {...},
      "date": "2024-03-12" | "2024-03-01/2024-03-31", "place": {"name": "Maiduguri", "country": "NGA"},
      "status": "reported", "negated": false, "future": false, "hypothetical": false}]}
`type` is the PLOVER type (null: no PLOVER event); `types` gives the type in other ontologies by name
(null: no event in that ontology). A record with no events is a negative: anything coded there is a
false event. `source` is read relative to the gold file (a `file.jsonl:N` source is line N of that file).
A gold event matches the predicted event whose evidence (or a merged mention) contains its `evidence`
phrase, the same type first. A field is scored where the gold gives it; a predicted value the gold
lacks counts against precision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.table import Table

from . import gazetteer
from . import ontology as ontology_stage
from .gazetteer import fold
from .ingest import IngestError, article_from_text, read_file
from .model import DateSource, Event
from .pipeline import code_many

FIELDS = ["type", "actor", "recipient", "date", "place", "status", "modality"]
NO_EVENT = "(none)"


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
    # confusion[gold type][predicted type]; NO_EVENT marks a missed gold event or a false event.
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    actor_checked: int = 0
    actor_correct: int = 0
    mode_checked: int = 0
    mode_correct: int = 0
    coders: dict[str, list[int]] = field(default_factory=dict)  # coder -> [matched, predicted]

    def count(self, gold: str, predicted: str) -> None:
        row = self.confusion.setdefault(gold, {})
        row[predicted] = row.get(predicted, 0) + 1

    def per_type(self) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for g, row in self.confusion.items():
            for p, n in row.items():
                if g != NO_EVENT:
                    out.setdefault(g, Tally()).gold += n
                if p != NO_EVENT:
                    out.setdefault(p, Tally()).predicted += n
                if g == p:
                    out[g].tp += n
        return dict(sorted(out.items()))

    def macro_f1(self) -> float:
        types = self.per_type()
        return sum(t.f1 for t in types.values()) / len(types) if types else 0.0

    def weighted_f1(self) -> float:
        types = self.per_type()
        total = sum(t.gold for t in types.values())
        return sum(t.f1 * t.gold for t in types.values()) / total if total else 0.0

    @property
    def actor_accuracy(self) -> float:
        return self.actor_correct / self.actor_checked if self.actor_checked else 0.0


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


def gold_type(event: dict, onto) -> str | None:
    """The event's type in this ontology: `types[name]`, else `types[family]`, else `type` for the PLOVER family."""
    types = event.get("types") or {}
    for key in (onto.name, onto.family):
        if key in types:
            return types[key]
    if onto.family == "plover":
        return event.get("type")
    raise ValueError(f"gold event {event.get('evidence')!r} has no type for ontology {onto.name!r} "
                     f"(add \"types\": {{\"{onto.family}\": ...}}, null for no event)")


def evaluate_file(paths: Path | list[Path], ontology: str = "plover", details: bool = False, console=None,
                  coder: str = "hybrid") -> Scores:
    paths = [paths] if isinstance(paths, Path) else list(paths)
    onto = ontology_stage.load(ontology)
    pairs = [pair for path in paths for pair in load_gold(path)]
    scores = Scores(articles=len(pairs))
    results = code_many([a for a, _ in pairs], ontology, coder=coder)
    for (article, record), result in zip(pairs, results):
        if result.error:
            raise RuntimeError(f"{article.source_path}: {result.error}")
        gold = []
        for g in record.get("events", []):
            t = gold_type(g, onto)
            if t is not None:
                gold.append({**g, "type": t})
        score_article(result.events, gold, scores, details, console)
    return scores


def score_article(predicted: list[Event], gold: list[dict], scores: Scores, details=False, console=None) -> None:
    matches = match(predicted, gold)
    matched_p = {id(p) for _, p in matches}
    for g, p in matches:
        scores.count(g["type"], p.type)
        if _coded(g.get("actor")):
            scores.actor_checked += 1
            scores.actor_correct += bool(_actor_match(g["actor"], p.actors))
        if g.get("mode"):
            scores.mode_checked += 1
            scores.mode_correct += g["mode"] == p.mode
    for g in gold:
        if not any(g is x for x, _ in matches):
            scores.count(g["type"], NO_EVENT)
    for p in predicted:
        tally = scores.coders.setdefault(p.coder, [0, 0])
        tally[1] += 1
        if id(p) in matched_p:
            tally[0] += 1
        else:
            scores.count(NO_EVENT, p.type)
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


def type_report(scores: Scores, title: str = "") -> Table:
    table = Table(title=f"{title}: event types (macro-F1 {scores.macro_f1():.2f}, weighted-F1 {scores.weighted_f1():.2f})")
    for col in ("type", "precision", "recall", "F1", "gold"):
        table.add_column(col, justify="right" if col != "type" else "left")
    for name, t in scores.per_type().items():
        table.add_row(name, f"{t.precision:.2f}", f"{t.recall:.2f}", f"{t.f1:.2f}", str(t.gold))
    return table


def confusion_report(scores: Scores) -> Table:
    """Rows: gold type; columns: predicted type, numbered as the rows; (none) is a missed event (column)
    or a false one (row)."""
    labels = sorted(({*scores.confusion} | {p for row in scores.confusion.values() for p in row}) - {NO_EVENT}) + [NO_EVENT]
    table = Table(title="confusion matrix (rows gold, columns predicted, numbered as the rows)")
    table.add_column("gold \\ predicted")
    for i, _ in enumerate(labels, 1):
        table.add_column(str(i), justify="right")
    for i, g in enumerate(labels, 1):
        row = scores.confusion.get(g, {})
        table.add_row(f"{i} {g}", *[str(row[p]) if row.get(p) else "." for p in labels])
    return table


def summary_lines(scores: Scores) -> list[str]:
    coders = ", ".join(f"{c}: {m}/{n} matched" for c, (m, n) in sorted(scores.coders.items()))
    lines = [f"event-type macro-F1 {scores.macro_f1():.3f}, weighted-F1 {scores.weighted_f1():.3f}",
             f"actor country+sector accuracy {scores.actor_accuracy:.3f} ({scores.actor_correct}/{scores.actor_checked} matched events with a gold actor)",
             f"events by coder: {coders or 'none'}"]
    if scores.mode_checked:
        lines.append(f"mode accuracy {scores.mode_correct / scores.mode_checked:.3f} ({scores.mode_correct}/{scores.mode_checked})")
    return lines


def report(scores: Scores, title: str = "") -> Table:
    table = Table(title=f"{title}: {scores.articles} articles, {scores.fields['type'].gold} gold events")
    for col in ("field", "precision", "recall", "F1", "tp", "predicted", "gold"):
        table.add_column(col, justify="right" if col != "field" else "left")
    for name in FIELDS:
        t = scores.fields[name]
        if not t.gold:
            # The gold does not annotate this field: nothing to score it against.
            table.add_row(name, "n/a", "n/a", "n/a", str(t.tp), str(t.predicted), "0")
            continue
        table.add_row(name, f"{t.precision:.2f}", f"{t.recall:.2f}", f"{t.f1:.2f}", str(t.tp), str(t.predicted), str(t.gold))
    return table
