"""Pipeline: article -> nlp -> places -> actors/events/attribution, batched; the one per-article function."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import events as event_stage
from . import nlp
from . import ontology as ontology_stage
from . import places as place_stage
from .model import Article, Event


@dataclass
class Result:
    article: Article
    events: list[Event] = field(default_factory=list)
    error: str | None = None


def code(article: Article, ontology: str = "plover") -> list[Event]:
    return next(code_many([article], ontology)).events


def code_many(articles: Iterable[Article], ontology: str = "plover", batch_size: int = nlp.BATCH_SIZE) -> Iterator[Result]:
    """Code articles in spaCy batches; one article's failure is reported on it and the batch goes on."""
    onto = ontology_stage.load(ontology)
    articles = list(articles) if not isinstance(articles, list) else articles
    docs = nlp.parse_many((a.text for a in articles), batch_size=batch_size)
    for article, doc in zip(articles, docs):
        try:
            toponyms = place_stage.extract_places(doc)
            yield Result(article, event_stage.code_article(article, doc, onto, toponyms))
        except Exception as exc:  # keep the batch going; the caller logs the article and reason
            yield Result(article, [], f"{type(exc).__name__}: {exc}")
