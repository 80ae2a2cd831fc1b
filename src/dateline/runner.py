"""Runner: stream articles through the pipeline into the store batch by batch; resumable, copies linked, problems logged.

Every article is stored in one transaction with its events and signature, so a run killed at any moment
leaves whole articles only; run again, stored articles are skipped and the rest coded, in the same order,
with the same copy decisions. Clusters are rebuilt from all stored events at the end of each run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from typing import Callable, Iterable

from . import dedup
from .ingest import IngestError, Ingested
from .model import Article, ArticleCopy, Event, IngestProblem, stable_id
from .store import Store


@dataclass
class RunStats:
    read: int = 0
    added: int = 0
    copies: int = 0
    already_stored: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)
    clusters: int = 0

    def line(self) -> str:
        return (f"{self.read} articles read: {self.added} added ({self.events} events), {self.copies} copies of "
                f"stored articles linked, {self.already_stored} already stored, {len(self.problems)} problems")


class Runner:
    """Feeds articles (and read errors) into a store; `log` gets one line per problem and per batch."""

    def __init__(self, store: Store, ontology: str = "plover", coder: str = "hybrid", batch_size: int = 32,
                 log: Callable[[str], None] | None = None, on_article: Callable[[], None] | None = None):
        self.store, self.ontology, self.coder, self.batch_size = store, ontology, coder, batch_size
        self.log = log or (lambda line: None)
        self.on_article = on_article or (lambda: None)
        self.stats = RunStats()
        self.index = dedup.CopyIndex()
        for article_id, blob in store.signatures():
            self.index.add(article_id, dedup.from_bytes(blob))

    # --- reading and coding ---------------------------------------------------------------------

    def ingest(self, items: Iterable[Ingested]) -> RunStats:
        """Code and store everything `items` yields, batch by batch."""
        from .pipeline import code_many

        items = iter(items)
        number = 0
        while batch := list(islice(items, self.batch_size)):
            number += 1
            todo: list[tuple[Article, object]] = []
            for item in batch:
                if isinstance(item, IngestError):
                    self.problem(item.source, "read", item.reason)
                    continue
                self.stats.read += 1
                signature = dedup.signature(item.text)
                if self._known(item, signature):
                    self.on_article()
                    continue
                todo.append((item, signature))
            signatures = {id(a): sig for a, sig in todo}
            for result in code_many([a for a, _ in todo], self.ontology, self.batch_size, coder=self.coder):
                self.on_article()
                if result.error:
                    self.problem(result.article.source_path or result.article.url or result.article.id, "code",
                                 f"coding failed: {result.error}")
                    continue
                self.store_coded(result.article, result.events, signatures[id(result.article)])
            self.log(f"batch {number}: {self.stats.line()}")
        return self.stats

    def store_coded(self, article: Article, events: list[Event], signature=None) -> None:
        """Store one coded article, or link it as a copy when a stored article has (nearly) the same text."""
        signature = signature if signature is not None else dedup.signature(article.text)
        if self._known(article, signature):
            return
        try:
            self.store.add(article, events, dedup.to_bytes(signature))
        except Exception as exc:  # one bad record must not lose the others
            self.problem(article.source_path or article.id, "store", f"not stored: {type(exc).__name__}: {exc}")
            return
        self.index.add(article.id, signature)
        self.stats.added += 1
        self.stats.events += len(events)

    def _known(self, article: Article, signature) -> bool:
        """True (and counted) when the article is stored already, as itself or as a copy of another."""
        if self.store.has_article(article.id):
            stored = self.store.article_source(article.id)
            if stored and not _same_source(article, *stored):
                self._link(article, article.id, 1.0)  # the same text from another outlet or page
            else:
                self.stats.already_stored += 1
            return True
        hit = self.index.find(signature)
        if hit is None:
            return False
        self._link(article, *hit)
        return True

    def _link(self, article: Article, original: str, similarity: float) -> None:
        copy = ArticleCopy(id=stable_id("copy", article.url or article.source_path, article.content_hash),
                           article_id=original, url=article.url, source_path=article.source_path,
                           outlet=article.outlet, title=article.title, published_at=article.published_at,
                           similarity=similarity)
        if self.store.add_copy(copy):
            self.stats.copies += 1
        else:
            self.stats.already_stored += 1

    def problem(self, source: str, stage: str, reason: str) -> None:
        self.store.add_problem(IngestProblem(id=stable_id(source, stage, reason), source=source, stage=stage,
                                             reason=reason, seen_at=datetime.now(timezone.utc)))
        self.stats.problems.append(f"{source}: {reason}")
        self.log(f"problem ({stage}) {source}: {reason}")

    # --- clusters ----------------------------------------------------------------------------------

    def recluster(self) -> int:
        self.stats.clusters = recluster(self.store, self.ontology)
        return self.stats.clusters


def recluster(store: Store, current: str | None = None) -> int:
    """Rebuild the event clusters of every ontology in the store; returns how many clusters there are."""
    from . import ontology as ontology_stage
    from .clusters import cluster_events

    sources = store.source_info()
    total = 0
    for name in store.ontologies():
        try:
            onto = ontology_stage.load(current if current and _name_of(current) == name else name)
            merges = {t.name: t.merges_with for t in onto.types.values()}
        except Exception:  # an ontology file no longer at hand: cluster on exact types only
            merges = {}
        clusters = cluster_events(store.events(ontology=name), sources, merges)
        store.replace_clusters(name, clusters)
        total += len(clusters)
    return total


def _same_source(article: Article, url: str | None, source_path: str | None) -> bool:
    if article.url and url:
        return article.url == url
    return article.source_path == source_path


def _name_of(ontology: str) -> str:
    from . import ontology as ontology_stage

    try:
        return ontology_stage.load(ontology).name
    except Exception:
        return ontology
