"""The data model, defined once: every table, export and JSON Schema derives from these classes."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import Enum
from typing import Optional

from pydantic import BaseModel, Field

CODER_VERSION = "dateline-0.2"


class DatePrecision(str, Enum):
    minute = "minute"
    day = "day"
    week = "week"
    month = "month"
    year = "year"


class DateSource(str, Enum):
    """Where an event's date came from: its own sentence, nearby context, or the publication time."""

    text = "text"
    context = "context"
    publication = "publication"


class PlacePrecision(str, Enum):
    site = "site"
    city = "city"
    admin1 = "admin1"
    region = "region"
    country = "country"


class AttributionStatus(str, Enum):
    claimed = "claimed"
    reported = "reported"
    confirmed = "confirmed"
    denied = "denied"
    rumoured = "rumoured"


class Article(BaseModel):
    id: str = Field(description="Stable id: a hash of the cleaned text.")
    url: Optional[str] = None
    source_path: Optional[str] = Field(None, description="File (and line) the article was read from.")
    outlet: Optional[str] = None
    title: Optional[str] = None
    published_at: Optional[datetime] = None
    published_precision: Optional[DatePrecision] = None
    language: Optional[str] = None
    raw_text: str = Field("", description="Text before boilerplate removal.")
    text: str = Field("", description="Main text the coder sees.")
    content_hash: str = ""
    removed: list[str] = Field(default_factory=list, description="Boilerplate lines removed by the cleaner.")


class Actor(BaseModel):
    text: str = Field(description="The actor as written in the sentence.")
    name: str = Field(description="Canonical name.")
    country: Optional[str] = Field(None, description="ISO 3166-1 alpha-3.")
    sector: Optional[str] = Field(None, description="PLOVER sector code (GOV, MIL, REB, OPP, CVL, MED, IGO, ...).")
    attributes: dict[str, str] = Field(default_factory=dict, description="rank, religion, ethnicity, gender, role, count.")


class Place(BaseModel):
    text: str = Field(description="The toponym as written.")
    gazetteer_id: Optional[str] = Field(None, description="GeoNames id (cities, countries) or admin1 code (CC.NN).")
    name: str
    lat: Optional[float] = None
    lon: Optional[float] = None
    country: Optional[str] = Field(None, description="ISO 3166-1 alpha-3.")
    admin1: Optional[str] = None
    feature_class: Optional[str] = Field(None, description="GeoNames feature class: P populated place, A admin area, L region.")
    population: Optional[int] = None
    precision: PlacePrecision = PlacePrecision.city


class Attribution(BaseModel):
    status: AttributionStatus = AttributionStatus.reported
    source_text: Optional[str] = Field(None, description="Who says so, as written.")
    source_actor: Optional[Actor] = None
    outlet: Optional[str] = Field(None, description="The outlet that carried the report.")
    cue: Optional[str] = Field(None, description="The words that set the status.")


class EventDate(BaseModel):
    start: date
    end: date
    precision: DatePrecision
    source: DateSource
    text: Optional[str] = Field(None, description="The time expression, when the date came from the text.")


class Evidence(BaseModel):
    article_id: str
    sentence: str
    start: int = Field(description="Character offset of the sentence in Article.text.")
    end: int
    trigger: str = Field(description="The word(s) that triggered the event.")


class Event(BaseModel):
    id: str
    article_id: str
    type: str
    mode: Optional[str] = None
    contexts: list[str] = Field(default_factory=list)
    cameo: Optional[str] = Field(None, description="CAMEO root code from the ontology's crosswalk.")
    actors: list[Actor] = Field(default_factory=list, description="Source actor(s): who did it.")
    recipients: list[Actor] = Field(default_factory=list, description="Target(s): to whom.")
    date: Optional[EventDate] = None
    place: Optional[Place] = None
    attribution: Attribution = Field(default_factory=Attribution)
    negated: bool = False
    future: bool = False
    hypothetical: bool = False
    confidence: float = 0.5
    evidence: Evidence
    mentions: list[Evidence] = Field(default_factory=list, description="Other sentences of the article about this event.")
    cluster_id: Optional[str] = None
    ontology: str = "plover"
    category: Optional[str] = Field(None, description="The ontology's broader class of the type (ACLED's event type).")
    coder: str = Field("cue", description="What produced the event: 'cue' (an ontology cue the classifier did not "
                       "confirm), 'cue+model' (a cue the sentence classifier agreed with) or 'model' (the classifier alone).")
    model_score: Optional[float] = Field(None, description="The sentence classifier's probability for the type.")
    coder_version: str = CODER_VERSION


class ArticleCopy(BaseModel):
    """An article that repeats one already stored (a syndicated or lightly edited copy): stored as a link, not coded again."""

    id: str = Field(description="Stable id of the copy: its source and text hash.")
    article_id: str = Field(description="The stored article it repeats.")
    url: Optional[str] = None
    source_path: Optional[str] = None
    outlet: Optional[str] = None
    title: Optional[str] = None
    published_at: Optional[datetime] = None
    similarity: float = Field(description="Estimated Jaccard similarity of word shingles (1.0: the same text).")


class EventCluster(BaseModel):
    """Reports of one real-world event across articles and outlets, merged: what `dateline events` lists."""

    id: str = Field(description="Stable id: derived from the cluster's earliest event.")
    ontology: str
    type: str
    category: Optional[str] = None
    mode: Optional[str] = Field(None, description="The mode most of its mentions share (PLOVER's how).")
    cameo: Optional[str] = Field(None, description="CAMEO root code of its type, from the ontology's crosswalk.")
    date: Optional[EventDate] = None
    place: Optional[Place] = None
    actors: list[Actor] = Field(default_factory=list)
    recipients: list[Actor] = Field(default_factory=list)
    status: AttributionStatus = Field(AttributionStatus.reported, description="The strongest status among its mentions.")
    statuses: dict[str, int] = Field(default_factory=dict, description="Mentions per attribution status.")
    event_ids: list[str] = Field(description="The coded events (mentions) merged here.")
    article_ids: list[str] = Field(default_factory=list, description="Stored articles with a mention.")
    article_count: int = Field(0, description="Articles reporting it, copies of a stored article included.")
    outlets: list[str] = Field(default_factory=list, description="Every outlet that carried a report, copies included.")
    independent_outlets: int = Field(0, description="Outlets with their own text (copies of another's do not count).")
    sentence: str = Field("", description="Evidence sentence of the cluster's first mention.")


class IngestProblem(BaseModel):
    """A source or record that could not be read, coded or stored, and why; kept so nothing is lost silently."""

    id: str
    source: str
    stage: str = Field(description="read, code or store.")
    reason: str
    seen_at: Optional[datetime] = None


def stable_id(*parts: object, length: int = 16) -> str:
    """A short deterministic id from its parts (same input, same id, across runs and machines)."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


MODELS = {"article": Article, "event": Event, "cluster": EventCluster, "copy": ArticleCopy, "problem": IngestProblem,
          "actor": Actor, "place": Place, "attribution": Attribution}
