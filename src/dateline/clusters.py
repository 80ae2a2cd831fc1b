"""Clusters: reports of the same event across articles and outlets merged into one `EventCluster`.

Two mentions from different articles may be one event when their types are compatible (the same, or
`merges_with` in the ontology), their dates lie within a tolerance that grows with imprecision, nothing
conflicts (places too far apart, actors from different countries, one negated and one not), and at least
one thing positively matches: the place, an actor or a recipient. Mentions are taken in date order and
each joins the best compatible cluster, so the result does not depend on the order articles arrived in.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from .model import Actor, AttributionStatus, Event, EventCluster, EventDate, Place, stable_id

# Days of slack between two mentions' date ranges, by the coarser precision of the two.
DATE_SLACK = {"minute": 1, "day": 1, "week": 3, "month": 10, "year": 60}
PUBLICATION_SLACK = 2  # a date taken from the publication time is only roughly the event's
PLACE_KM = 50.0  # two site/city places further apart than this are different events
NAME_MATCH = 88  # rapidfuzz token-set ratio for two actor names to be the same actor
SHARED_NAMES = 2  # proper names two evidence sentences must share to count as a match
STATUS_RANK = [AttributionStatus.confirmed, AttributionStatus.reported, AttributionStatus.claimed,
               AttributionStatus.rumoured, AttributionStatus.denied]
PLACE_RANK = {"site": 0, "city": 1, "admin1": 2, "region": 3, "country": 4}


@dataclass
class SourceInfo:
    """What clustering needs to know of an article: its outlet and the outlets of its copies."""

    outlet: str | None = None
    copies: list[str | None] = field(default_factory=list)


def cluster_events(events: list[Event], sources: dict[str, SourceInfo], merges: dict[str, set[str]] | None = None
                   ) -> list[EventCluster]:
    """Group one ontology's events into clusters (every event ends in exactly one)."""
    merges = merges or {}
    ordered = sorted(events, key=_order)
    open_clusters: list[list[Event]] = []
    done: list[list[Event]] = []
    for event in ordered:
        start = _span(event)[0]
        # Clusters whose latest mention ended well before this one can take no more mentions.
        still = []
        for members in open_clusters:
            if (start - max(_span(m)[1] for m in members)).days > DATE_SLACK["year"] + PUBLICATION_SLACK:
                done.append(members)
            else:
                still.append(members)
        open_clusters = still
        best, best_score = None, 0.0
        if _clusterable(event):
            for members in open_clusters:
                score = _fit(event, members, merges)
                if score > best_score:
                    best, best_score = members, score
        if best is None:
            open_clusters.append([event])
        else:
            best.append(event)
    done.extend(open_clusters)
    return sorted((summarise(members, sources) for members in done), key=lambda c: (c.date.start if c.date else date.max, c.id))


def _order(e: Event):
    return (_span(e)[0], e.article_id, e.evidence.start, e.id)


def _span(e: Event) -> tuple[date, date]:
    return (e.date.start, e.date.end) if e.date else (date.min, date.max)


def _clusterable(e: Event) -> bool:
    # A threatened or hypothetical event has not happened: each such report stands alone.
    return not (e.future or e.hypothetical) and e.date is not None


def _fit(event: Event, members: list[Event], merges: dict[str, set[str]]) -> float:
    """How well an event fits a cluster: 0 if it conflicts with any member or matches none."""
    if not _clusterable(members[0]):
        return 0.0
    best = 0.0
    for m in members:
        if m.article_id == event.article_id:
            continue  # within an article the coder already merged repeated mentions; two events there are two
        score = pair_score(event, m, merges)
        if score is None:
            return 0.0
        best = max(best, score)
    return best


def pair_score(a: Event, b: Event, merges: dict[str, set[str]] | None = None) -> float | None:
    """None if the two mentions cannot be one event; otherwise the number of positive matches (0 = no evidence)."""
    merges = merges or {}
    if a.type != b.type and b.type not in merges.get(a.type, ()) and a.type not in merges.get(b.type, ()):
        return None
    if a.negated != b.negated:
        return None
    if not _dates_close(a, b):
        return None
    score = 0.0
    place = _place_match(a.place, b.place)
    if place is None:
        return None
    score += place
    for left, right in ((a.actors, b.actors), (a.recipients, b.recipients)):
        match = _actors_match(left, right)
        if match is None:
            return None
        score += match
    # Two outlets seldom share the same two names by chance: "clashed with M23 rebels near Sake" and
    # "fighting between the army and M23 fighters outside Sake" are one event even when neither
    # sentence gave the coder an actor or a place it could resolve.
    if len(_names(a.evidence.sentence) & _names(b.evidence.sentence)) >= SHARED_NAMES:
        score += 1.0
    if score == 0:
        return 0.0
    return score + (0.25 if a.type == b.type else 0.0)


def _dates_close(a: Event, b: Event) -> bool:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    gap = max((b0 - a1).days, (a0 - b1).days, 0)
    slack = max(DATE_SLACK.get(a.date.precision.value, 1), DATE_SLACK.get(b.date.precision.value, 1))
    if "publication" in (a.date.source.value, b.date.source.value):
        slack += PUBLICATION_SLACK
    return gap <= slack


def _place_match(a: Place | None, b: Place | None) -> float | None:
    """1 the same place, 0 no evidence either way (one is missing or coarse and containing), None a conflict."""
    if a is None or b is None:
        return 0.0
    if a.country and b.country and a.country != b.country:
        return None
    if a.gazetteer_id and a.gazetteer_id == b.gazetteer_id:
        return 1.0
    fine = {"site", "city"}
    if a.precision.value in fine and b.precision.value in fine:
        if None in (a.lat, a.lon, b.lat, b.lon):
            return 0.0
        return 1.0 if km(a.lat, a.lon, b.lat, b.lon) <= PLACE_KM else None
    # One of them is an admin area or a country: compatible if it contains the other.
    coarse, other = (a, b) if PLACE_RANK[a.precision.value] >= PLACE_RANK[b.precision.value] else (b, a)
    if coarse.precision.value == "admin1" and coarse.admin1 and other.admin1 and coarse.admin1 != other.admin1:
        return None
    return 0.0


def _actors_match(a: list[Actor], b: list[Actor]) -> float | None:
    """1 a shared actor, 0 no evidence, None actors of different countries on both sides and no shared one."""
    if not a or not b:
        return 0.0
    for x in a:
        for y in b:
            if _same_actor(x, y):
                return 1.0
    countries_a = {x.country for x in a if x.country}
    countries_b = {y.country for y in b if y.country}
    if countries_a and countries_b and not countries_a & countries_b:
        return None
    return 0.0


def _same_actor(x: Actor, y: Actor) -> bool:
    if x.country and y.country and x.country != y.country:
        return False
    if fuzz.token_set_ratio(x.name.lower(), y.name.lower()) >= NAME_MATCH:
        return True
    # "police" and "Kenyan police officers": the same country and sector is the same body of actors.
    return bool(x.country and x.sector and x.country == y.country and x.sector == y.sector)


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b(?:[A-Z][\w'’-]*\w|\w*\d\w*)")
_CALENDAR = {w.lower() for w in (*calendar.day_name, *calendar.month_name) if w}


def _names(sentence: str) -> set[str]:
    """Capitalised words and words with digits (M23, ADF, Sake), less the first word and calendar names."""
    return {w.lower() for w in _NAME.findall(sentence.strip()) if w.lower() not in _CALENDAR and not w.isdigit()}


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


# --- the cluster record ------------------------------------------------------------------------

def summarise(members: list[Event], sources: dict[str, SourceInfo]) -> EventCluster:
    first = members[0]
    types = Counter(m.type for m in members)
    type_ = max(types, key=lambda t: (types[t], t == first.type))
    statuses = Counter(m.attribution.status for m in members)
    article_ids = list(dict.fromkeys(m.article_id for m in members))
    outlets, independent, articles = [], set(), 0
    for article_id in article_ids:
        info = sources.get(article_id, SourceInfo())
        independent.add(_outlet_key(info.outlet, article_id))
        articles += 1 + len(info.copies)
        outlets += [o for o in [info.outlet, *info.copies] if o]
    return EventCluster(
        id="c" + stable_id("cluster", first.id),
        ontology=first.ontology,
        type=type_,
        category=next((m.category for m in members if m.type == type_), None),
        mode=_most_common(m.mode for m in members if m.type == type_),
        cameo=next((m.cameo for m in members if m.type == type_ and m.cameo), None),
        date=_best_date(members),
        place=_best_place(members),
        actors=_union(m.actors for m in members),
        recipients=_union(m.recipients for m in members),
        status=next(s for s in STATUS_RANK if s in statuses),
        statuses={s.value: n for s, n in sorted(statuses.items(), key=lambda kv: STATUS_RANK.index(kv[0]))},
        event_ids=[m.id for m in members],
        article_ids=article_ids,
        article_count=articles,
        outlets=sorted(set(outlets), key=str.lower),
        independent_outlets=len(independent),
        sentence=first.evidence.sentence,
    )


def _most_common(values) -> str | None:
    counts = Counter(v for v in values if v)
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def _outlet_key(outlet: str | None, article_id: str) -> str:
    if not outlet:
        return "article:" + article_id  # an unnamed source counts as its own
    key = outlet.lower().strip()
    return key[4:] if key.startswith("www.") else key


def _best_date(members: list[Event]) -> EventDate | None:
    dated = [m.date for m in members if m.date]
    if not dated:
        return None
    source_rank = {"text": 0, "context": 1, "publication": 2}
    precision_rank = ["minute", "day", "week", "month", "year"]
    return min(dated, key=lambda d: (source_rank[d.source.value], precision_rank.index(d.precision.value), d.start))


def _best_place(members: list[Event]) -> Place | None:
    places = [m.place for m in members if m.place]
    if not places:
        return None
    counts = Counter(p.gazetteer_id or p.name for p in places)
    return min(places, key=lambda p: (PLACE_RANK[p.precision.value], -counts[p.gazetteer_id or p.name]))


def _union(groups) -> list[Actor]:
    seen: dict[str, Actor] = {}
    for actors in groups:
        for a in actors:
            if not any(_same_actor(a, b) and a.name.lower() == b.name.lower() for b in seen.values()):
                seen.setdefault(a.name.lower(), a)
    return list(seen.values())
