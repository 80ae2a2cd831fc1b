"""Actors: code noun phrases to actors (canonical name, country, PLOVER sector, attributes) from a dictionary."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from . import places
from .gazetteer import fold
from .model import Actor
from .resources import load_yaml

PRONOUNS = {"he": "male", "him": "male", "himself": "male", "she": "female", "her": "female",
            "herself": "female", "they": None, "them": None, "it": None, "we": None, "i": None}
RELATIVE = {"who", "which", "that", "whom"}
QUANTIFIERS = {"much", "many", "some", "most", "all", "part", "several", "dozens", "hundreds", "thousands", "none", "one", "two", "three", "both", "each"}
NP_RIGHT_PREPS = {"of", "from", "for"}


@lru_cache(maxsize=1)
def lexicon() -> dict:
    data = load_yaml("lexicons/actors.yaml")
    lex = {
        "head": {w: s for s, words in data["head_sectors"].items() for w in words},
        "modifier": {w: s for s, words in data["modifier_sectors"].items() for w in words},
        "titles": {w: s for s, words in data["titles"].items() for w in words},
        "ranks": sorted(data["ranks"], key=len, reverse=True),
        "roles": {w: role for role, words in data["roles"].items() for w in words},
        "religions": set(data["religions"]),
        "ethnicities": set(data["ethnicities"]),
        "gender": {w: g for g, words in data["gender"].items() for w in words},
        "orgs": {},
        "facilities": set(data["facilities"]),
    }
    for org in data["organisations"]:
        for alias in [org["name"], *org.get("aliases", [])]:
            # Acronyms match case-sensitively; names match folded.
            key = alias if alias.replace(".", "").isupper() else fold(alias)
            lex["orgs"][key] = org
    return lex


@dataclass
class Person:
    name: str
    key: str
    first_token: int
    titles: list[str] = field(default_factory=list)
    description: Span | None = None
    gender: str | None = None
    mentions: list[int] = field(default_factory=list)


@dataclass
class ArticleContext:
    """What the whole article says that coding one phrase needs: its countries, places and people."""

    doc: Doc
    focus: Counter
    toponyms: list
    persons: dict[str, Person]
    person_at: dict[int, Person]
    memo: dict = field(default_factory=dict)

    @property
    def focus_country(self) -> str | None:
        return self.focus.most_common(1)[0][0] if self.focus else None


def build_context(doc: Doc, toponyms: list) -> ArticleContext:
    focus = places.country_mentions(doc)
    for t in toponyms:
        if t.entry.kind != "country":
            focus[t.entry.country] += 1
    persons, person_at = _person_registry(doc)
    return ArticleContext(doc, focus, toponyms, persons, person_at)


# --- persons ---------------------------------------------------------------------------------

def _person_spans(doc: Doc) -> list[Span]:
    lex = lexicon()
    spans = []
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        tokens = [t for t in ent if t.tag_ != "POS" and t.text not in ("'s", "’s")]
        # The small model tags sect and group names as people ("Alawite"): drop those words.
        while tokens and (tokens[-1].text in lex["religions"] | lex["ethnicities"]):
            tokens.pop()
        while tokens and tokens[0].text in lex["titles"]:
            tokens.pop(0)
        if not tokens or fold(" ".join(t.text for t in tokens)) in lex["orgs"]:
            continue
        if len(tokens) == 1 and places.country_of_word(tokens[0].text):
            continue
        spans.append(doc[tokens[0].i:tokens[-1].i + 1])
    # "identifying herself as X", "a man named X": a person's name whatever the tagger called it.
    taken = {i for s in spans for i in range(s.start, s.end)}
    for token in doc:
        if token.pos_ != "PROPN" or token.dep_ == "compound" or token.i in taken:
            continue
        introducer = token.head.head if token.dep_ == "pobj" and token.head.lower_ == "as" else token.head
        if introducer.lemma_.lower() in ("identify", "introduce", "name", "call") and (
                token.dep_ == "pobj" or token.dep_ in ("oprd", "dobj", "attr")):
            left = token.i
            while left > 0 and doc[left - 1].dep_ == "compound" and doc[left - 1].pos_ == "PROPN":
                left -= 1
            spans.append(doc[left:token.i + 1])
    return spans


def _person_registry(doc: Doc) -> tuple[dict[str, Person], dict[int, Person]]:
    lex = lexicon()
    persons: dict[str, Person] = {}
    person_at: dict[int, Person] = {}
    for span in _person_spans(doc):
        key = fold(span[-1].text)
        person = persons.get(key)
        if person is None:
            person = persons[key] = Person(span.text, key, span.start)
        elif len(span.text) > len(person.name):
            person.name = span.text
        person.mentions.append(span.start)
        for i in range(span.start, span.end):
            person_at[i] = person
        # A title right before the name: "Colonel Almiqi", "President Assad".
        j = span.start - 1
        while j >= 0 and doc[j].text in lex["titles"]:
            person.titles.insert(0, doc[j].text)
            j -= 1
        # An apposition names the person's office: "The coordinator of the council, Khaled Bakkar, said".
        root = span.root
        if root.dep_ == "appos" and root.head.pos_ == "NOUN":
            person.description = np_span(root.head)
        for child in root.children:
            if child.dep_ == "appos" and child.pos_ == "NOUN":
                person.description = np_span(child)
        # "identifying herself as X", "she ... X": the nearest gendered pronoun around the first mention.
        if person.gender is None:
            person.gender = _gender_near(doc, span)
    return persons, person_at


def _gender_near(doc: Doc, span: Span) -> str | None:
    lex = lexicon()
    sent = span.sent
    window = list(sent) + (list(doc[sent.end:].sents.__next__()) if sent.end < len(doc) else [])
    for token in window:
        if token.lower_ in PRONOUNS and PRONOUNS[token.lower_] and (token.i > span.start or token.dep_ == "dobj"):
            return PRONOUNS[token.lower_]
    for token in span.sent:
        if token.lower_ in lex["gender"] and token.pos_ in ("NOUN", "ADJ") and token.i < span.start:
            return lex["gender"][token.lower_]
    return None


def resolve_pronoun(token: Token, ctx: ArticleContext) -> Person | None:
    """The most recent person before the pronoun whose gender agrees (he/she only)."""
    gender = PRONOUNS.get(token.lower_)
    if gender is None:
        return None
    best = None
    for person in ctx.persons.values():
        before = [m for m in person.mentions if m < token.i]
        if before and person.gender in (gender, None):
            if best is None or max(before) > best[0]:
                best = (max(before), person)
    return best[1] if best and token.i - best[0] < 120 else None


# --- noun phrases ----------------------------------------------------------------------------

def np_span(head: Token) -> Span:
    """The noun phrase of `head`: its left modifiers, itself, and of/from/for phrases; no clauses."""
    doc = head.doc
    left = head.i
    for child in head.lefts:
        if child.dep_ not in ("punct", "cc", "preconj") and child.i < left:
            left = child.left_edge.i
    right = head.i
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in NP_RIGHT_PREPS and child.i == right + 1:
            right = child.right_edge.i
        elif child.dep_ in ("compound", "nummod", "case") and child.i == right + 1:
            right = child.i
        else:
            break
    while left < head.i and doc[left].is_punct:
        left += 1
    return doc[left:right + 1]


def conjuncts(head: Token) -> list[Token]:
    """'Russian and Belarusian soldiers' is one phrase; 'rebels and soldiers' are two actors."""
    return [head] + [c for c in head.conjuncts if c.pos_ in ("NOUN", "PROPN", "PRON") and c.i > head.i]


def code_actor(head: Token, ctx: ArticleContext) -> Actor | None:
    lex = lexicon()
    if head.lower_ in RELATIVE and head.head.dep_ == "relcl":
        head = head.head.head
    if head.lower_ in QUANTIFIERS:
        # "much of the international community", "some of the protesters": the group itself.
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if obj is None:
            return None
        head = obj
    if head.pos_ == "PRON" and head.lower_ in ("they", "we", "it") and head.dep_ == "nsubj":
        # "Police said they had arrested two suspects": the speaker is the doer.
        speaker_verb = head.head.head if head.head.dep_ == "ccomp" else None
        speaker = next((c for c in speaker_verb.children if c.dep_ == "nsubj"), None) if speaker_verb is not None else None
        if speaker is not None and speaker.pos_ != "PRON" and speaker.i < head.i:
            return code_actor(speaker, ctx)  # only backwards: "They will meet, officials said" is not about officials
    if head.pos_ == "PRON":
        person = resolve_pronoun(head, ctx)
        if person is None:
            return None
        return code_person(person, ctx, text=head.text)
    person = ctx.person_at.get(head.i)
    if person is None:
        # "Almiqi's defection": a possessor or compound that is a known person.
        person = next((ctx.person_at[t.i] for t in head.subtree if t.i in ctx.person_at and t.dep_ in ("compound",)), None)
    span = np_span(head)
    if person is not None and head.i in ctx.person_at:
        return code_person(person, ctx, text=span.text)
    place = next((t.entry for t in ctx.toponyms if t.start <= head.i < t.end), None)
    if place is not None and place.kind != "country":
        return None  # "withdraw from Malakal": a place, not an actor ("Kenya accused ..." is its government)
    if head.lemma_.lower() in lex["facilities"] or head.ent_type_ in ("DATE", "TIME", "CARDINAL", "MONEY"):
        # "a convoy of soldiers" is the soldiers; a base, a market, "last month" are where or when, not who.
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        group = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        return code_actor(group, ctx) if group is not None else None

    org = match_org(span)
    attributes = phrase_attributes(span)
    if head.tag_ in ("NNS", "NNPS") and org is None:
        attributes["number"] = "plural"
    country = org["country"] if org else None
    sector = org["sector"] if org else None
    name = org["name"] if org else canonical(span)
    if country is None:
        country = _country_in(span, ctx)
    if sector is None:
        sector = _sector_of(head, span)
    if sector is None and head.pos_ == "PROPN" and places.country_of_word(canonical(span)):
        sector = "GOV"  # "The United States condemned": a state acts through its government
    if org is None and country is None and sector is None:
        return None  # a phrase we cannot code ("the measures", "both sides") is not a usable actor
    if country is None and org is None and sector not in (None, "IGO"):
        # Domestic actors ("police", "the regime", "seven officers") belong to the article's country.
        country = ctx.focus_country
        if country:
            attributes["country_from"] = "article"
    return Actor(text=span.text, name=name, country=country, sector=sector, attributes=attributes)


def code_person(person: Person, ctx: ArticleContext, text: str | None = None) -> Actor:
    lex = lexicon()
    attributes: dict[str, str] = {"kind": "person"}
    sector = None
    for title in person.titles:
        sector = sector or lex["titles"].get(title)
        if title.lower().rstrip(".") in lex["ranks"]:
            attributes["rank"] = title.lower().rstrip(".")
        if title.lower() in lex["roles"]:
            attributes["role"] = lex["roles"][title.lower()]
    country = None
    if person.description is not None:
        described = phrase_attributes(person.description)
        for k, v in described.items():
            attributes.setdefault(k, v)
        attributes.setdefault("title", person.description.text)
        org = match_org(person.description)
        if org:
            country, sector = org["country"] or country, sector or org["sector"]
        sector = sector or _sector_of(person.description.root, person.description)
        country = country or _country_in(person.description, ctx)
    if person.gender:
        attributes["gender"] = person.gender
    if country is None and sector is not None:
        country = ctx.focus_country
        attributes["country_from"] = "article"
    return Actor(text=text or person.name, name=person.name, country=country, sector=sector, attributes=attributes)


def canonical(span: Span) -> str:
    tokens = list(span)
    while tokens and (tokens[0].dep_ in ("det", "predet") or tokens[0].lower_ in ("the", "a", "an")):
        tokens = tokens[1:]
    text = "".join(t.text_with_ws for t in tokens).strip()
    return re.sub(r"\s*['’]s$", "", text) or span.text


def match_org(span: Span) -> dict | None:
    orgs = lexicon()["orgs"]
    words = [t.text for t in span]
    # Longest n-gram first, so "Free Syrian Army" wins over "Syrian".
    for n in range(min(len(words), 8), 0, -1):
        for i in range(len(words) - n + 1):
            gram = " ".join(words[i:i + n]).replace(" - ", "-").replace(" -", "-")
            org = orgs.get(gram) or orgs.get(fold(gram)) if not gram.isupper() else orgs.get(gram)
            if org:
                return org
    # Spelling variants of a name ("Al-Shabab", "Hizballah", "Boko Haram's"): fuzzy, on the proper-noun run only.
    names = " ".join(t.text for t in span if t.pos_ == "PROPN")
    return fuzzy_org(fold(names)) if len(names) >= 5 else None


FUZZY_CUTOFF = 88  # rapidfuzz ratio; below this, distinct names ("Hamas"/"Hama") start to collide


@lru_cache(maxsize=4096)
def fuzzy_org(name: str) -> dict | None:
    from rapidfuzz import fuzz, process

    orgs = lexicon()["orgs"]
    keys = [k for k in orgs if not k.isupper() and len(k) >= 5]
    found = process.extractOne(name, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return orgs[found[0]] if found else None


def phrase_attributes(span: Span) -> dict[str, str]:
    lex = lexicon()
    attrs: dict[str, str] = {}
    lowered = " " + span.text.lower() + " "
    for rank in lex["ranks"]:
        if f" {rank} " in lowered or f" {rank}s " in lowered:
            last = next((t for t in span if t.lower_ in (rank.split()[-1], rank.split()[-1] + "s")), None)
            if last is not None and last.pos_ == "ADJ":
                continue  # "general coordinator": an adjective, not the rank
            attrs["rank"] = rank
            break
    for token in span:
        if token.text in lex["religions"]:
            attrs["religion"] = token.text
        elif token.text in lex["ethnicities"]:
            attrs["ethnicity"] = token.text
        elif token.lower_ in lex["gender"] and token.pos_ in ("ADJ", "NOUN"):
            attrs.setdefault("gender", lex["gender"][token.lower_])
        elif token.dep_ == "nummod" and token.head == span.root:
            attrs["count"] = token.text
    for phrase, role in lex["roles"].items():
        if f" {phrase} " in lowered:
            attrs["role"] = role
    return attrs


def _country_in(span: Span, ctx: ArticleContext) -> str | None:
    tokens = list(span)
    for a, b in zip(tokens, tokens[1:]):
        code = places.country_of_word(f"{a.text} {b.text}")
        if code:
            return code
    for token in tokens:
        code = places.country_of_word(token.text)
        if code and token.pos_ in ("PROPN", "ADJ", "NOUN"):
            return code
    for t in ctx.toponyms:
        if span.start <= t.start and t.end <= span.end:
            return t.entry.country
    return None


def _sector_of(head: Token, span: Span) -> str | None:
    lex = lexicon()
    for token in span:
        if token.i != head.i and token.dep_ in ("amod", "compound") and token.head == head:
            sector = lex["modifier"].get(token.lower_)
            if sector:
                return sector
    sector = lex["head"].get(head.lemma_.lower()) or lex["head"].get(head.lower_)
    if sector is None and head.tag_ in ("NNS", "NNPS") and head.lower_.endswith("s"):
        sector = lex["head"].get(head.lower_[:-1])  # "Rebels" at the start of a sentence is tagged a name
    if sector:
        return sector
    # "the general coordinator of the military council": the office's own sector.
    for token in span:
        if token.i > head.i and token.pos_ == "NOUN":
            found = _sector_of_token(token)
            if found:
                return found
    return None


def _sector_of_token(token: Token) -> str | None:
    lex = lexicon()
    for child in token.children:
        if child.dep_ in ("amod", "compound") and lex["modifier"].get(child.lower_):
            return lex["modifier"][child.lower_]
    return lex["head"].get(token.lemma_.lower())
