"""Ontologies are data: load an event ontology file (types, cues, modes, crosswalk) into a matcher-ready form."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .resources import data_path

BUILTIN = {"plover": "ontologies/plover.yaml"}


@dataclass
class EventType:
    name: str
    definition: str
    cameo: str | None = None
    verbs: set[str] = field(default_factory=set)
    nouns: set[str] = field(default_factory=set)
    phrases: list[list[str]] = field(default_factory=list)
    requires_any: dict[str, set[str]] = field(default_factory=dict)
    noun_needs_verb: set[str] = field(default_factory=set)
    recipient_preps: set[str] = field(default_factory=set)
    noun_actor_preps: set[str] = field(default_factory=lambda: {"by"})
    default_recipient: dict | None = None
    object_is_theme: bool = False
    modes: dict[str, set[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def mode_of(self, lemma: str) -> str | None:
        return next((mode for mode, cues in self.modes.items() if lemma in cues), None)


@dataclass
class Ontology:
    name: str
    types: dict[str, EventType]
    light_verbs: set[str] = field(default_factory=set)

    def verb_cues(self) -> dict[str, list[EventType]]:
        return _index(self.types.values(), "verbs")

    def noun_cues(self) -> dict[str, list[EventType]]:
        return _index(self.types.values(), "nouns")


def _index(types, attr) -> dict[str, list[EventType]]:
    out: dict[str, list[EventType]] = {}
    for t in types:
        for lemma in getattr(t, attr):
            out.setdefault(lemma, []).append(t)
    return out


class OntologyError(ValueError):
    pass


@lru_cache(maxsize=8)
def load(name_or_path: str = "plover") -> Ontology:
    path = data_path(BUILTIN[name_or_path]) if name_or_path in BUILTIN else Path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OntologyError(f"{path}: cannot read ontology: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise OntologyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise OntologyError(f"{path}: an ontology needs a 'types' mapping")
    base = data.get("extends")
    types = dict(load(base).types) if base else {}
    for name, spec in data["types"].items():
        if not isinstance(spec, dict) or not spec.get("definition"):
            raise OntologyError(f"{path}: type {name} needs a 'definition'")
        if not (spec.get("verbs") or spec.get("nouns") or spec.get("phrases")):
            raise OntologyError(f"{path}: type {name} needs at least one cue (verbs, nouns or phrases)")
        types[name] = EventType(
            name=name,
            definition=" ".join(str(spec["definition"]).split()),
            cameo=spec.get("cameo"),
            verbs={str(v).lower() for v in spec.get("verbs", [])},
            nouns={str(n).lower() for n in spec.get("nouns", [])},
            phrases=[[str(w).lower() for w in p] for p in spec.get("phrases", [])],
            requires_any={k: {str(w).lower() for w in v} for k, v in (spec.get("requires_any") or {}).items()},
            noun_needs_verb=set(spec.get("noun_needs_verb", [])),
            recipient_preps=set(spec.get("recipient_preps", [])),
            noun_actor_preps=set(spec.get("noun_actor_preps", ["by"])) | {"by"},
            default_recipient=spec.get("default_recipient"),
            object_is_theme=bool(spec.get("object_is_theme", False)),
            modes={k: {str(w).lower() for w in v} for k, v in (spec.get("modes") or {}).items()},
            examples=list(spec.get("examples", [])),
        )
    light = set(data.get("light_verbs", [])) | (load(base).light_verbs if base else set())
    return Ontology(name=data.get("name", path.stem), types=types, light_verbs=light)
