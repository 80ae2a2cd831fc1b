"""Places: find toponyms in a parsed article and resolve each to a gazetteer entry, by the article's context."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from . import gazetteer
from .gazetteer import Entry
from .model import Place, PlacePrecision
from .resources import load_yaml

LOCATIVE_PREPS = {"in", "at", "to", "near", "from", "into", "outside", "around", "across", "towards", "toward",
                  "through", "inside", "throughout", "within", "between", "along"}
NOT_PLACES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}
PLACE_NOUNS = {"city": "city", "town": "city", "village": "city", "capital": "city", "province": "admin1",
               "governorate": "admin1", "state": "admin1", "region": "admin1", "oblast": "admin1",
               "district": "admin1", "county": "admin1", "country": "country", "prefecture": "admin1"}
_KIND_RANK = {"country": 0, "region": 1, "admin1": 2, "city": 3}


@dataclass
class Toponym:
    span: Span
    text: str
    hint: str | None  # "city", "admin1" or "country" when the text says so ("the city of Homs")
    entry: Entry | None = None

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end


def country_mentions(doc: Doc) -> Counter:
    """How often the article names each country, by name or demonym: its country focus.

    Counted once per parsed article (places and actors both ask); callers get their own copy to add to.
    """
    if "dateline_country_mentions" not in doc.user_data:
        doc.user_data["dateline_country_mentions"] = _count_country_mentions(doc)
    return Counter(doc.user_data["dateline_country_mentions"])


def _count_country_mentions(doc: Doc) -> Counter:
    lex = _country_words()
    counts: Counter = Counter()
    skip_to = -1
    for token in doc:
        if token.i <= skip_to:
            continue
        pair = f"{token.text} {token.nbor(1).text}" if token.i + 1 < len(doc) else ""
        if pair in lex:  # "South Sudan" before "Sudan"
            counts[lex[pair]] += 1
            skip_to = token.i + 1
        elif token.text in lex:
            counts[lex[token.text]] += 1
    return counts


def find_toponyms(doc: Doc) -> list[Toponym]:
    """Candidate toponyms: place entities, and proper nouns in locative positions that the gazetteer knows."""
    gaz = gazetteer.load()
    metonyms = _metonyms()
    found: list[Toponym] = []
    taken: set[int] = set()
    focus = set(country_mentions(doc))
    for ent in doc.ents:
        if ent.label_ in ("GPE", "LOC", "FAC") or (ent.label_ in ("PERSON", "ORG", "NORP") and (
                _locative(ent) or _known_town(gaz, ent, focus))):
            span = _trim(ent)
            if span is None or (span.text in metonyms and not _locative(span)):
                continue
            if ent.label_ not in ("GPE", "LOC") and span.text.isupper():
                continue  # an acronym in a locative phrase ("within the FSA") is an organisation
            if not span.text[:1].isupper():
                continue  # "into the bush": a common noun, whatever the tagger says
            if gaz.lookup(span.text):
                found.append(Toponym(span, span.text, _hint(span)))
                taken.update(range(span.start, span.end))
    # Proper nouns the model did not tag, when a locative preposition or a place noun governs them.
    for token in doc:
        if token.i in taken or token.pos_ != "PROPN" or token.ent_type_ in NOT_PLACES or not token.text[:1].isupper():
            continue
        if token.dep_ == "compound" and token.head.lemma_.lower() not in PLACE_NOUNS:
            continue
        left = token.i
        while left > 0 and doc[left - 1].dep_ == "compound" and doc[left - 1].pos_ == "PROPN":
            left -= 1
        # "Maarat al-Numan": the article and hyphen belong to the name.
        full = left
        while full > 1 and doc[full - 1].text in ("-", "al", "el", "an", "ad", "as", "ar", "at") and doc[full - 2].text[:1].isupper():
            full -= 2 if doc[full - 1].text == "-" and doc[full - 2].lower_ in ("al", "el", "an", "ad", "as", "ar") else 1
        if full < left and gaz.lookup(doc[full:token.i + 1].text):
            left = full
        span = doc[left:token.i + 1]
        if any(i in taken for i in range(span.start, span.end)) or not _locative(span) or span.text.isupper():
            continue
        if gaz.lookup(span.text):
            found.append(Toponym(span, span.text, _hint(span)))
            taken.update(range(span.start, span.end))
    return sorted(found, key=lambda t: t.start)


def resolve(doc: Doc, toponyms: list[Toponym]) -> list[Toponym]:
    """Pick each toponym's entry: the article's countries and first-level divisions first, then size."""
    gaz = gazetteer.load()
    focus = country_mentions(doc)
    # In an article that names its countries, a small place in a country it never names is a false match.
    named = {c for c, n in focus.items() if n >= 1}
    strict = any(n >= 2 for n in focus.values())
    # Unambiguous toponyms in those countries add to the context before the rest are resolved.
    for t in toponyms:
        candidates = gaz.lookup(t.text)
        if len(candidates) == 1 and (candidates[0].country in named or not strict):
            focus[candidates[0].country] += 1
    admin1_in_text = {(e.country, e.admin1) for t in toponyms for e in gaz.lookup(t.text)[:1] if e.kind == "admin1"}
    for t in toponyms:
        candidates = gaz.lookup(t.text)
        if strict:
            candidates = [e for e in candidates if e.country in named or e.kind in ("country", "region")
                          or e.population >= 1_000_000]
        if t.hint == "admin1" and not any(e.kind == "admin1" for e in candidates):
            candidates = candidates + _admin1_like(gaz, t.text, {e.country for e in candidates} | set(focus))
        t.entry = max(candidates, key=lambda e: _score(e, t, focus, admin1_in_text), default=None)
    return [t for t in toponyms if t.entry is not None]


def _score(entry: Entry, t: Toponym, focus: Counter, admin1_in_text: set) -> float:
    total_focus = sum(focus.values()) or 1
    score = 2.0 * focus.get(entry.country, 0) / total_focus  # the article's country focus
    score += 0.4 if (entry.country, entry.admin1) in admin1_in_text and entry.kind == "city" else 0.0
    score += math.log10(max(entry.population, 1) + 1) / 8  # size breaks ties, it does not decide
    if entry.kind == "country":
        score += 1.5  # "Jordan" in a news story is the country, not a village
    if t.hint:
        score += 0.8 if (t.hint == entry.kind or (t.hint == "admin1" and entry.kind == "region")) else -0.8
    elif entry.kind == "admin1":
        score -= 0.15  # a bare name is the city more often than the province of the same name
    return score


def _admin1_like(gaz, name: str, countries: set) -> list[Entry]:
    """First-level divisions of the given countries whose name is a close spelling ("Lattakia" ~ "Latakia")."""
    from rapidfuzz import fuzz

    key = gazetteer.fold(name)
    return [e for e in gaz.admin1_of(countries) if fuzz.ratio(key, gazetteer.fold(e.name)) >= 85]


def to_place(t: Toponym) -> Place:
    e = t.entry
    precision = {"country": PlacePrecision.country, "admin1": PlacePrecision.admin1,
                 "region": PlacePrecision.region, "city": PlacePrecision.city}[e.kind]
    return Place(text=t.text, gazetteer_id=e.id, name=e.name, lat=e.lat, lon=e.lon, country=e.country,
                 admin1=e.admin1, feature_class=e.feature_class, population=e.population or None,
                 precision=precision)


def extract_places(doc: Doc) -> list[Toponym]:
    return resolve(doc, find_toponyms(doc))


def most_specific(toponyms: list[Toponym]) -> Toponym | None:
    return max(toponyms, key=lambda t: _KIND_RANK[t.entry.kind], default=None)


# --- helpers ---------------------------------------------------------------------------------

def _trim(span: Span) -> Span | None:
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in ("the", "a"):
        start += 1
    while end > start and doc[end - 1].tag_ == "POS" or (end > start and doc[end - 1].text in ("'s", "’s")):
        end -= 1
    return doc[start:end] if end > start else None


def _known_town(gaz, ent: Span, focus: set) -> bool:
    """'shelled Homs' (tagged a person): a one-word name of a sizeable place in a country the article names."""
    return len(ent) == 1 and ent.root.dep_ in ("dobj", "pobj", "nsubj", "nsubjpass") and any(
        e.country in focus and e.kind in ("city", "admin1") and e.population >= 100_000 for e in gaz.lookup(ent.text))


def _locative(span: Span) -> bool:
    """Is the span the object of a locative preposition, or named by a place noun ("the city of X")?"""
    root = span.root
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in LOCATIVE_PREPS:
        return True
    if root.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in PLACE_NOUNS:
        return True
    if root.dep_ == "appos" and head.dep_ == "pobj" and head.head.lower_ in LOCATIVE_PREPS:
        return True
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return bool(nxt is not None and nxt.lemma_.lower() in PLACE_NOUNS and nxt.lemma_.lower() != "country")


def _hint(span: Span) -> str | None:
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    if nxt is not None and nxt.lemma_.lower() in PLACE_NOUNS:
        return PLACE_NOUNS[nxt.lemma_.lower()]
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.lemma_.lower() in PLACE_NOUNS:
        return PLACE_NOUNS[root.head.head.lemma_.lower()]
    return None


@lru_cache(maxsize=1)
def _country_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for code, entry in gazetteer.load().countries.items():
        words[entry.name] = code
    for code, data in (load_yaml("lexicons/countries.yaml") or {}).items():
        for word in (data.get("names") or []) + (data.get("demonyms") or []) + (data.get("metonyms") or []):
            words[word] = code
    return words


@lru_cache(maxsize=1)
def _metonyms() -> frozenset[str]:
    return frozenset(m for d in (load_yaml("lexicons/countries.yaml") or {}).values() for m in (d.get("metonyms") or []))


def country_of_word(word: str) -> str | None:
    return _country_words().get(word) or _country_words().get(re.sub(r"s$", "", word))
