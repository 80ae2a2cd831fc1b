"""Attribution: who says an event happened, how sure the report is, and whether it is negated, future or hypothetical."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from .model import AttributionStatus
from .nlp import clause_verb
from .resources import load_yaml


@lru_cache(maxsize=1)
def lexicon() -> dict:
    data = load_yaml("lexicons/attribution.yaml")
    data["verb_status"] = {v: s for s, verbs in data["verbs"].items() for v in verbs}
    data["rank"] = {s: i for i, s in enumerate(data["precedence"])}
    return data


@dataclass
class Found:
    status: AttributionStatus
    cue: str
    source: Token | None = None  # head of the source phrase, when the text names one
    kind: str = "verb"  # verb ("X said"), according (to X), or marker ("allegedly", "purporting to show")


def attribute(trigger: Token, sent: Span, sentence_level: bool = False) -> Found | None:
    found = _attribute(trigger, sent, sentence_level)
    # "..., a figure that could not be independently verified" turns a report into a claim.
    lowered = sent.text.lower()
    for status, phrases in lexicon().get("sentence_markers", {}).items():
        phrase = next((p for p in phrases if p in lowered), None)
        if phrase and (found is None or found.status == AttributionStatus.reported):
            return Found(AttributionStatus(status), phrase, found.source if found else None, "marker")
    return found


def _attribute(trigger: Token, sent: Span, sentence_level: bool = False) -> Found | None:
    """The attribution that governs `trigger` in its sentence, if any.

    With `sentence_level`, the framing of the whole sentence: its main verb, and markers anywhere in it.
    """
    lex = lexicon()
    root = sent.root
    if sentence_level and root.pos_ in ("VERB", "AUX") and lex["verb_status"].get(root.lemma_.lower()):
        found = Found(AttributionStatus(lex["verb_status"][root.lemma_.lower()]), root.text, _subject(root))
        marker = _marker(trigger, sent, True) if found.status == AttributionStatus.reported else None
        # "A video was posted ... purporting to show": the marker says more than the verb.
        return marker if marker is not None and marker.status != AttributionStatus.reported else found
    # 1. A reporting verb above the trigger: "X confirmed the defections", "X said troops attacked".
    node, steps = trigger, 0
    while steps < 6:
        head = node.head
        if head.i == node.i:
            break
        status = lex["verb_status"].get(head.lemma_.lower())
        if status and head.pos_ in ("VERB", "AUX") and node.dep_ in ("ccomp", "dobj", "xcomp", "advcl", "conj", "dep", "parataxis", "attr", "oprd"):
            if node.dep_ == "conj":
                pass  # "denied X and called for Y": Y is the speaker's own act, not what was denied
            elif any(c.dep_ == "neg" for c in head.children) and status != "denied":
                return None  # "has not confirmed the withdrawal" confirms nothing
            else:
                return Found(AttributionStatus(status), head.text, _subject(head))
        node, steps = head, steps + 1
    # 2. "according to X", "citing X" anywhere in the sentence.
    for token in sent:
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to":
            pobj = next((c for c in token.nbor(1).children if c.dep_ == "pobj"), None)
            return Found(AttributionStatus.reported, "according to", pobj, "according")
        if token.lower_ in ("citing", "quoting") and token.dep_ in ("advcl", "prep", "acl"):
            obj = next((c for c in token.children if c.dep_ in ("dobj", "pobj")), None)
            return Found(AttributionStatus.reported, token.text, obj, "according")
    return _marker(trigger, sent, sentence_level)


def _marker(trigger: Token, sent: Span, sentence_level: bool) -> Found | None:
    """Markers with no named source: "allegedly", "purporting to show", "rumours"; a marker frames
    only the clause it stands in ("as news spread that X": X, not the main clause)."""
    lex = lexicon()
    for status in lex["precedence"]:
        for marker in lex["markers"].get(status, []):
            words = marker.split()
            for token in sent:
                if token.lower_ != words[0] or [t.lower_ for t in token.doc[token.i:token.i + len(words)]] != words:
                    continue
                scope = clause_verb(token.doc[token.i + len(words) - 1])
                if sentence_level or trigger in scope.subtree or scope in trigger.ancestors:
                    # "a video ... purporting to show": the thing the participle describes makes the claim.
                    claimant = scope.head if scope.dep_ == "acl" and scope.head.pos_ in ("NOUN", "PROPN") else None
                    return Found(AttributionStatus(status), marker, claimant, "marker")
    return None


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        return _subject(verb.head)
    return None


def precedence(status: AttributionStatus) -> int:
    return lexicon()["rank"][status.value]


def negated(trigger: Token) -> bool:
    lex = lexicon()
    governors = [trigger] + ([trigger.head] if trigger.dep_ in ("dobj", "nsubj", "nsubjpass", "xcomp") else [])
    return any(c.dep_ == "neg" or (c.lower_ in lex["negation"] and c.dep_ in ("det", "neg", "advmod"))
               for g in governors for c in g.children)


def future(trigger: Token) -> bool:
    lex = lexicon()
    verb = trigger if trigger.pos_ in ("VERB", "AUX") else trigger.head
    if any(c.lower_ in lex["future_auxiliaries"] and c.dep_ == "aux" for c in verb.children):
        return True
    if any(c.lower_ == "going" and c.dep_ == "aux" for c in verb.children):
        return True
    # "threatened to attack", "plans to withdraw", "will meet ... to sign": announced, not done.
    node = verb
    for _ in range(3):
        if node.dep_ not in ("xcomp", "advcl", "conj") or node.head.i == node.i:
            return False
        head = node.head
        infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in node.children)
        if infinitive and head.lemma_.lower() in lex["future_verbs"]:
            return True
        if any(c.lower_ in lex["future_auxiliaries"] and c.dep_ == "aux" for c in head.children):
            return True
        node = head
    return False


def hypothetical(trigger: Token, sent: Span) -> bool:
    lex = lexicon()
    if sent.text.rstrip().endswith("?"):
        return True
    verb = trigger if trigger.pos_ in ("VERB", "AUX") else trigger.head
    if any(c.dep_ == "aux" and c.lower_ in lex["hypothetical_markers"] for c in verb.children):
        return True
    node = verb
    for _ in range(4):
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in node.children):
            return True
        if node.head.i == node.i:
            break
        node = node.head
    return False
