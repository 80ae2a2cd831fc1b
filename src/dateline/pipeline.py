"""Pipeline: article -> nlp -> places -> actors/events/attribution, batched; the one per-article function."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator

from . import classifier
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


CODERS = ("hybrid", "cue")


def code(article: Article, ontology: str = "plover", coder: str = "hybrid") -> list[Event]:
    return next(code_many([article], ontology, coder=coder)).events


def code_many(articles: Iterable[Article], ontology: str = "plover", batch_size: int = nlp.BATCH_SIZE,
              coder: str = "hybrid") -> Iterator[Result]:
    """Code articles in batches (spaCy, then one embedding batch per article batch); one article's failure is
    reported on it and the batch goes on. `coder`: 'hybrid' (cues + sentence classifier) or 'cue' (cues alone)."""
    if coder not in CODERS:
        raise ValueError(f"unknown coder {coder!r}: use one of {', '.join(CODERS)}")
    onto = ontology_stage.load(ontology)
    model = classifier.for_ontology(onto) if coder == "hybrid" else None
    articles = iter(articles)  # streamed: only one batch is held at a time
    while chunk := list(islice(articles, batch_size)):
        docs = list(nlp.parse_many((a.text for a in chunk), batch_size=batch_size))
        scores = _sentence_scores(model, docs)
        for article, doc, doc_scores in zip(chunk, docs, scores):
            try:
                toponyms = place_stage.extract_places(doc)
                yield Result(article, event_stage.code_article(article, doc, onto, toponyms, doc_scores))
            except Exception as exc:  # keep the batch going; the caller logs the article and reason
                yield Result(article, [], f"{type(exc).__name__}: {exc}")


def _sentence_scores(model, docs) -> list[list[dict[str, float]] | None]:
    """The classifier's type probabilities for every sentence of a batch, encoded in one call."""
    if model is None:
        return [None] * len(docs)
    sentences = [[s.text for s in doc.sents] for doc in docs]
    flat = model.distributions([t for texts in sentences for t in texts])
    out, i = [], 0
    for texts in sentences:
        out.append(flat[i:i + len(texts)])
        i += len(texts)
    return out
