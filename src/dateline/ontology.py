"""Ontologies are data: load an event ontology file (types, cues, conditions, examples, crosswalk) into a matcher-ready form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .resources import data_path

BUILTIN = {"plover": "ontologies/plover.yaml", "acled": "ontologies/acled.yaml"}

# Keys a type may have; anything else is a typo the user should hear about.
TYPE_KEYS = {"definition", "label", "group", "cameo", "verbs", "nouns", "phrases", "requires_any", "context_any",
             "excludes_any", "noun_needs_verb", "recipient_preps", "noun_actor_preps", "default_recipient",
             "object_is_theme", "actor_sectors", "recipient_sectors", "yields_to", "embeds_content", "modes",
             "merges_with", "examples"}
FILE_KEYS = {"name", "version", "extends", "description", "light_verbs", "content_verbs", "types", "negatives",
             "negative_files", "drop"}


@dataclass
class EventType:
    name: str
    definition: str
    label: str = ""
    group: str | None = None  # the ontology's broader class (ACLED's event type for a sub-event type)
    cameo: str | None = None
    verbs: set[str] = field(default_factory=set)
    nouns: set[str] = field(default_factory=set)
    phrases: list[list[str]] = field(default_factory=list)
    requires_any: dict[str, set[str]] = field(default_factory=dict)
    context_any: set[str] = field(default_factory=set)   # a cue counts only if one of these is in the sentence
    excludes_any: set[str] = field(default_factory=set)  # ... and none of these
    noun_needs_verb: set[str] = field(default_factory=set)
    recipient_preps: set[str] = field(default_factory=set)
    noun_actor_preps: set[str] = field(default_factory=lambda: {"by"})
    default_recipient: dict | None = None
    object_is_theme: bool = False
    actor_sectors: set[str] = field(default_factory=set)      # the type needs a source of one of these sectors
    recipient_sectors: set[str] = field(default_factory=set)  # ... or a target of one of these
    yields_to: set[str] = field(default_factory=set)  # in one sentence, a mention of these types absorbs this one
    # A speech act whose clausal complement is its content: "threatened to attack", "accused X of killing"
    # code one THREATEN/ACCUSE event, not an attack or a killing besides.
    embeds_content: bool = False
    # Across articles, one outlet's "clashes" is another's "attack": types whose reports may be one event.
    merges_with: set[str] = field(default_factory=set)
    modes: dict[str, set[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def mode_of(self, lemma: str) -> str | None:
        return next((mode for mode, cues in self.modes.items() if lemma in cues), None)

    @property
    def constrained(self) -> bool:
        return bool(self.actor_sectors or self.recipient_sectors)


@dataclass
class Ontology:
    name: str
    types: dict[str, EventType]
    light_verbs: set[str] = field(default_factory=set)
    negatives: list[str] = field(default_factory=list)  # sentences that report no event of this ontology
    source: str = ""
    family: str = ""  # the root of its `extends` chain: gold labels of that ontology fit this one
    content_verbs: set[str] = field(default_factory=set)  # what they introduce has not happened: no event
    _forms: dict[str, str] | None = field(default=None, repr=False)
    _index_cache: dict = field(default_factory=dict, repr=False)

    def verb_cues(self) -> dict[str, list[EventType]]:
        return self._cached("verbs", lambda: _index(self.types.values(), "verbs"))

    def noun_cues(self) -> dict[str, list[EventType]]:
        return self._cached("nouns", lambda: _index(self.types.values(), "nouns"))

    def phrase_cues(self) -> dict[str, list[tuple[tuple[str, ...], list[EventType]]]]:
        """First word -> [(phrase, types)], longest phrase first: a sentence is scanned once, not once per phrase."""
        def build():
            by_phrase: dict[tuple[str, ...], list[EventType]] = {}
            for t in self.types.values():
                for phrase in t.phrases:
                    by_phrase.setdefault(tuple(phrase), []).append(t)
            out: dict[str, list] = {}
            for phrase, types in sorted(by_phrase.items(), key=lambda kv: -len(kv[0])):
                out.setdefault(phrase[0], []).append((phrase, types))
            return out
        return self._cached("phrases", build)

    def _cached(self, key, build):
        if key not in self._index_cache:
            self._index_cache[key] = build()
        return self._index_cache[key]

    def verb_forms(self) -> dict[str, str]:
        """Inflected form -> cue lemma ('retook' -> 'retake'), for words the tagger lemmatises badly."""
        if self._forms is None:
            from lemminflect import getAllInflections

            forms: dict[str, str] = {}
            for lemma in self.verb_cues():
                for variants in getAllInflections(lemma, upos="VERB").values():
                    for form in variants:
                        forms.setdefault(form.lower(), lemma)
            self._forms = forms
        return self._forms

    def training_examples(self) -> tuple[list[str], list[str]]:
        """(sentences, labels) for the sentence classifier: each type's examples, and negatives labelled NONE."""
        texts, labels = [], []
        for t in self.types.values():
            texts += t.examples
            labels += [t.name] * len(t.examples)
        texts += self.negatives
        labels += [NONE] * len(self.negatives)
        return texts, labels

    def fingerprint(self) -> str:
        texts, labels = self.training_examples()
        return hashlib.sha256(json.dumps([self.name, texts, labels]).encode()).hexdigest()[:16]


NONE = "NONE"


def _index(types, attr) -> dict[str, list[EventType]]:
    out: dict[str, list[EventType]] = {}
    for t in types:
        for lemma in getattr(t, attr):
            out.setdefault(lemma, []).append(t)
    return out


class OntologyError(ValueError):
    pass


def _words(values) -> set[str]:
    return {str(v).lower() for v in values or []}


def available() -> list[str]:
    return sorted(BUILTIN)


@lru_cache(maxsize=16)
def load(name_or_path: str = "plover") -> Ontology:
    path = data_path(BUILTIN[name_or_path]) if name_or_path in BUILTIN else Path(name_or_path)
    if name_or_path not in BUILTIN and not path.exists():
        raise OntologyError(f"{name_or_path}: no such ontology (built in: {', '.join(available())}, or a YAML file path)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OntologyError(f"{path}: cannot read ontology: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise OntologyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise OntologyError(f"{path}: an ontology needs a 'types' mapping")
    unknown = set(data) - FILE_KEYS
    if unknown:
        raise OntologyError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(FILE_KEYS)}")
    base = load(data["extends"]) if data.get("extends") else None
    types = dict(base.types) if base else {}
    for name in data.get("drop") or []:
        types.pop(name, None)  # a derived ontology may leave out types of its base
    for name, spec in data["types"].items():
        types[name] = _type(path, str(name), spec)
    for t in types.values():
        missing = t.yields_to - set(types)
        if missing:
            raise OntologyError(f"{path}: type {t.name} yields to unknown type(s) {sorted(missing)}")
        missing = t.merges_with - set(types)
        if missing:
            raise OntologyError(f"{path}: type {t.name} merges with unknown type(s) {sorted(missing)}")
    light = _words(data.get("light_verbs")) | (base.light_verbs if base else set())
    negatives = [str(s) for s in data.get("negatives") or []] + (base.negatives if base else [])
    for name in data.get("negative_files") or []:
        negatives += _sentences(path.parent / name)
    name = data.get("name", path.stem)
    content = _words(data.get("content_verbs")) | (base.content_verbs if base else set())
    return Ontology(name=name, types=types, light_verbs=light, negatives=negatives, source=str(path),
                    family=base.family if base else name, content_verbs=content)


def _sentences(path: Path) -> list[str]:
    """A YAML list of sentences (shared negatives: sentences that report no event)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OntologyError(f"{path}: cannot read sentences: {exc}") from exc
    if not isinstance(data, list):
        raise OntologyError(f"{path}: expected a list of sentences")
    return [str(s) for s in data]


def _type(path: Path, name: str, spec) -> EventType:
    if not isinstance(spec, dict) or not spec.get("definition"):
        raise OntologyError(f"{path}: type {name} needs a 'definition'")
    unknown = set(spec) - TYPE_KEYS
    if unknown:
        raise OntologyError(f"{path}: type {name}: unknown key(s) {sorted(unknown)}; allowed: {sorted(TYPE_KEYS)}")
    if not (spec.get("verbs") or spec.get("nouns") or spec.get("phrases")):
        raise OntologyError(f"{path}: type {name} needs at least one cue (verbs, nouns or phrases)")
    return EventType(
        name=name,
        definition=" ".join(str(spec["definition"]).split()),
        label=str(spec.get("label") or name),
        group=spec.get("group"),
        cameo=spec.get("cameo"),
        verbs=_words(spec.get("verbs")),
        nouns=_words(spec.get("nouns")),
        phrases=[[str(w).lower() for w in p] for p in spec.get("phrases") or []],
        requires_any={str(k).lower(): _words(v) for k, v in (spec.get("requires_any") or {}).items()},
        context_any=_words(spec.get("context_any")),
        excludes_any=_words(spec.get("excludes_any")),
        noun_needs_verb=_words(spec.get("noun_needs_verb")),
        recipient_preps=_words(spec.get("recipient_preps")),
        noun_actor_preps=_words(spec.get("noun_actor_preps") or ["by"]) | {"by"},
        default_recipient=spec.get("default_recipient"),
        object_is_theme=bool(spec.get("object_is_theme", False)),
        actor_sectors={str(s).upper() for s in spec.get("actor_sectors") or []},
        recipient_sectors={str(s).upper() for s in spec.get("recipient_sectors") or []},
        yields_to={str(s) for s in spec.get("yields_to") or []},
        embeds_content=bool(spec.get("embeds_content", False)),
        merges_with={str(s) for s in spec.get("merges_with") or []},
        modes={str(k): _words(v) for k, v in (spec.get("modes") or {}).items()},
        examples=[str(s) for s in spec.get("examples") or []],
    )
