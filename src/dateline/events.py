"""Events: find event cues from the ontology in parsed sentences, fill actor, recipient, date and place, merge mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from . import actors as actor_stage
from . import attribution as attr_stage
from . import places as place_stage
from .gazetteer import fold
from .model import (Actor, Article, Attribution, AttributionStatus, DatePrecision, DateSource, Event, EventDate,
                    Evidence, stable_id)
from .nlp import clause_verb, paragraph_index
from .ontology import NONE, EventType, Ontology
from .times import TimeExpression, find_times

GENERIC_DETERMINERS = {"any", "no", "every", "more", "such", "each", "further", "future", "other", "similar",
                       "frequent", "repeated", "occasional"}
ANAPHORIC_DETERMINERS = {"the", "these", "those", "this", "that", "latest", "such"}


@dataclass
class Mention:
    type: EventType
    trigger: Token
    cue: str
    sent_index: int
    actors: list[Actor] = field(default_factory=list)
    recipients: list[Actor] = field(default_factory=list)
    actor_heads: list[Token] = field(default_factory=list)
    time: TimeExpression | None = None
    place: object | None = None  # places.Toponym
    attribution: Attribution | None = None
    negated: bool = False
    future: bool = False
    hypothetical: bool = False
    anaphoric: bool = False
    coder: str = "cue"
    model_score: float | None = None
    extra: list["Mention"] = field(default_factory=list)


@dataclass
class SentenceInfo:
    span: Span
    paragraph: int
    times: list[TimeExpression]
    attribution: attr_stage.Found | None = None


def code_article(article: Article, doc: Doc, ontology: Ontology, toponyms: list | None = None,
                 sentence_scores: list[dict[str, float]] | None = None) -> list[Event]:
    """Code one parsed article; `sentence_scores` are the classifier's type probabilities per sentence, if any."""
    if toponyms is None:
        toponyms = place_stage.extract_places(doc)
    ctx = actor_stage.build_context(doc, toponyms)
    published = article.published_at.date() if article.published_at else None
    sentences = [SentenceInfo(s, p, find_times(s.text, published) if published else [])
                 for s, p in zip(doc.sents, paragraph_index(doc))]
    mentions: list[Mention] = []
    for index, info in enumerate(sentences):
        info.attribution = attr_stage.attribute(info.span.root, info.span, sentence_level=True)
        scores = sentence_scores[index] if sentence_scores else None
        found = []
        for trigger, candidates, cue in find_triggers(info.span, ontology):
            mention = build_mention(trigger, candidates, cue, index, info, ctx, toponyms, article,
                                    ontology.light_verbs, scores)
            if mention is not None:
                found.append(mention)
        found = _drop_themes(_drop_embedded_content(found, ontology.content_verbs))
        if scores is not None:
            found = classifier_stage_filter(found, scores, info, index, ctx, toponyms, article, ontology)
        mentions += found
    merged = merge_mentions(mentions, ctx)
    return [finalize(m, sentences, ctx, article, ontology, published) for m in merged]


# How the learned sentence classifier and the cues combine (tuned on the development gold, see docs/coder.md).
MODEL_ONLY = 0.75   # no cue fired: the classifier alone adds an event when this sure of one type (and it has an actor)
MODEL_AGREES = 0.2  # a cue's type with at least this probability counts as confirmed by the classifier
MODEL_VETO = 0.9    # a cue's event is dropped when the classifier is this sure the sentence reports nothing ...
VETO_FLOOR = 0.02   # ... and gives the cue's type less than this


def classifier_stage_filter(found: list["Mention"], scores: dict[str, float], info: "SentenceInfo", index: int, ctx,
                            toponyms: list, article: Article, ontology: Ontology) -> list["Mention"]:
    """Confirm or veto the cues' mentions with the sentence classifier; add one where only the classifier sees an event."""
    kept = []
    for m in found:
        p = scores.get(m.type.name, 0.0)
        if scores.get(NONE, 0.0) >= MODEL_VETO and p < VETO_FLOOR:
            continue
        m.model_score = p
        m.coder = "cue+model" if p >= MODEL_AGREES else "cue"
        kept.append(m)
    if found:
        return kept
    best = max((k for k in scores if k != NONE), key=scores.get, default=None)
    if best is None or scores[best] < MODEL_ONLY:
        return kept
    trigger = _main_event_verb(info.span)
    if trigger is None:
        return kept
    etype = ontology.types[best]
    m = build_mention(trigger, [etype], trigger.lemma_.lower(), index, info, ctx, toponyms, article,
                      ontology.light_verbs, scores)
    if m is not None and m.actors and not m.negated:
        m.coder, m.model_score = "model", scores[best]
        kept.append(m)
    return kept


CONTENT_DEPS = {"xcomp", "ccomp", "pcomp"}


def _drop_themes(found: list["Mention"]) -> list["Mention"]:
    """'lifted the curfew': a cue noun that is the object of another event's verb is that event's theme;
    one in its 'in'/'during' phrase is that same event."""
    verbs = {m.trigger.i: m for m in found if m.trigger.pos_ == "VERB" and not m.type.embeds_content}
    kept = []
    for m in found:
        t = m.trigger
        if t.pos_ == "NOUN" and t.dep_ == "dobj" and t.head.i in verbs and verbs[t.head.i].type is not m.type:
            continue
        if t.pos_ == "NOUN" and t.dep_ == "pobj" and t.head.lower_ in ("in", "during") and t.head.head.i in verbs:
            # "killed 14 civilians in an attack on a village": the attack is the killing, told again.
            verbs[t.head.head.i].extra.append(m)
            continue
        kept.append(m)
    return kept


def _drop_embedded_content(found: list["Mention"], content_verbs: set[str] = frozenset()) -> list["Mention"]:
    """What a threat, an accusation or a request is about is its content, not a second event."""
    speech = [m.trigger for m in found if m.type.embeds_content]
    if found and content_verbs:
        speech += [t for t in found[0].trigger.sent if t.pos_ == "VERB" and t.lemma_.lower() in content_verbs]
    if not speech:
        return found
    return [m for m in found if not any(s is not m.trigger and _in_content(m.trigger, s) for s in speech)]


def _in_content(token: Token, speech_verb: Token) -> bool:
    node, passed = token, False
    for _ in range(6):
        if node.head.i == node.i:
            return False
        passed = passed or node.dep_ in CONTENT_DEPS or (node.dep_ == "advcl" and node.head == speech_verb)
        node = node.head
        if node == speech_verb:
            return passed
    return False


def _main_event_verb(sent: Span) -> Token | None:
    """The verb that carries a sentence's news: the root, or what a reporting root reports."""
    root = sent.root
    reporting = attr_stage.lexicon()["verb_status"]
    if root.lemma_.lower() in reporting:
        inner = next((c for c in root.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")), None)
        if inner is not None:
            return inner
    if root.pos_ == "VERB":
        return root
    return next((t for t in sent if t.pos_ == "VERB" and t.dep_ in ("ccomp", "conj", "xcomp")), None)


# --- triggers ----------------------------------------------------------------------------------

def find_triggers(sent: Span, ontology: Ontology):
    """(trigger token, candidate types in ontology order, cue) for each cue in the sentence."""
    verbs, nouns, forms = ontology.verb_cues(), ontology.noun_cues(), ontology.verb_forms()
    context = _sentence_words(sent)
    used: set[int] = set()
    phrases = ontology.phrase_cues()
    for token in sent:
        lemma, lower = token.lemma_.lower(), token.lower_
        for phrase, types in phrases.get(lemma, []) + (phrases.get(lower, []) if lower != lemma else []):
            window = sent.doc[token.i:token.i + len(phrase)]
            if len(window) == len(phrase) and all(t.lemma_.lower() == w or t.lower_ == w for t, w in zip(window, phrase)):
                if any(t.i in used for t in window):
                    continue
                root, cue = _phrase_root(window), " ".join(phrase)
                candidates = [t for t in types if _context_met(t, context) and _requirements_met(root, t, cue)]
                if candidates:
                    used.update(t.i for t in window)
                    yield root, candidates, cue
    for token in sent:
        if token.i in used:
            continue
        lemma = token.lemma_.lower()
        if token.pos_ == "VERB" and lemma not in verbs:
            lemma = forms.get(token.lower_, lemma)  # "raped" lemmatised as "rap"
        if token.pos_ == "VERB" and lemma in verbs:
            candidates = [t for t in verbs[lemma] if _requirements_met(token, t, lemma) and _context_met(t, context)]
        elif token.pos_ == "NOUN" and lemma in nouns and token.dep_ not in ("compound", "poss"):
            candidates = [t for t in nouns[lemma] if _context_met(t, context) and not (
                t.noun_needs_verb and token.head.lemma_.lower() not in t.noun_needs_verb
                and clause_verb(token).lemma_.lower() not in t.noun_needs_verb)]
        else:
            continue
        if candidates:
            used.add(token.i)
            yield token, candidates, lemma


def _phrase_root(window: Span) -> Token:
    """The phrase's syntactic head: 'bomber' of 'suicide bomber', 'open' of 'open fire'."""
    return next((t for t in window if not (window.start <= t.head.i < window.end) or t.head.i == t.i), window[0])


def _sentence_words(sent: Span) -> tuple[set[str], str]:
    words = {t.lemma_.lower() for t in sent} | {t.lower_ for t in sent}
    return words, " " + " ".join(t.lower_ for t in sent) + " "


def _context_met(etype: EventType, context: tuple[set[str], str]) -> bool:
    words, text = context

    def present(cue: str) -> bool:
        return f" {cue} " in text if " " in cue else cue in words

    if etype.context_any and not any(present(c) for c in etype.context_any):
        return False
    return not any(present(c) for c in etype.excludes_any)


PLACE_ENTITIES = {"GPE", "LOC", "FAC"}


def _requirements_met(token: Token, etype: EventType, cue: str) -> bool:
    """A cue listed under `requires_any` counts only with one of its words (or, for '@place', a place name) in its phrase."""
    needed = etype.requires_any.get(cue)
    if not needed:
        return True
    return any(t.lemma_.lower() in needed or t.lower_ in needed or ("@place" in needed and t.ent_type_ in PLACE_ENTITIES)
               for t in token.subtree if not _temporal_prep(t))


def _temporal_prep(token: Token) -> bool:
    """'on Tuesday': a preposition of time says nothing of what was fired on."""
    return token.dep_ == "prep" and any(c.ent_type_ in ("DATE", "TIME") for c in token.children)


def choose_type(candidates: list[EventType], actors: list[Actor], recipients: list[Actor],
                scores: dict[str, float] | None) -> EventType | None:
    """The first candidate whose conditions hold, if it has any; among plain ones, the classifier's favourite."""
    ok = [t for t in candidates if _sectors_met(t, actors, recipients)]
    if not ok:
        return None
    if _specific(ok[0]) or scores is None:
        return ok[0]
    free = [t for t in ok if not _specific(t)]
    return max(free, key=lambda t: (scores.get(t.name, 0.0), -free.index(t)))


def _specific(etype: EventType) -> bool:
    return etype.constrained or bool(etype.context_any)


def _sectors_met(etype: EventType, actors: list[Actor], recipients: list[Actor]) -> bool:
    if etype.actor_sectors and not any(a.sector in etype.actor_sectors for a in actors):
        return False
    if etype.recipient_sectors and not any(a.sector in etype.recipient_sectors for a in recipients):
        return False
    return True


# --- one mention -------------------------------------------------------------------------------

def build_mention(trigger: Token, candidates: list[EventType], cue: str, index: int, info: SentenceInfo,
                  ctx, toponyms: list, article: Article, light_verbs: set[str] = frozenset(),
                  scores: dict[str, float] | None = None) -> Mention | None:
    etype = candidates[0]  # the arguments are read by the first candidate's rules; the type is chosen after
    m = Mention(etype, trigger, cue, index)
    if trigger.pos_ == "VERB":
        actor_heads, recipient_heads = _verb_arguments(trigger, etype)
    else:
        actor_heads, recipient_heads = _noun_arguments(trigger, etype, light_verbs | etype.noun_needs_verb)
    place_heads = {t.span.root.i for t in toponyms}
    m.actor_heads = [h for h in actor_heads]
    for head in actor_heads:
        for conj in actor_stage.conjuncts(head):
            if conj in recipient_heads:
                continue  # "fighting between A and B": B is the other side, not a second actor
            actor = actor_stage.code_actor(conj, ctx)
            if actor:
                m.actors.append(actor)
    for head in recipient_heads:
        for conj in actor_stage.conjuncts(head):
            if conj.i in place_heads:
                continue  # "shelled Homs": the place, not an actor
            actor = actor_stage.code_actor(conj, ctx)
            if actor:
                m.recipients.append(actor)
    m.negated = attr_stage.negated(trigger)
    m.future = attr_stage.future(trigger)
    m.hypothetical = attr_stage.hypothetical(trigger, info.span)
    m.time = _own_time(trigger, info)
    m.place = _own_place(trigger, info.span, toponyms, actor_heads)
    found = attr_stage.attribute(trigger, info.span)
    if found is not None:
        m.attribution = _attribution(found, ctx, article)
    det = {c.lower_ for c in trigger.children if c.dep_ in ("det", "amod", "predet")}
    if trigger.pos_ == "NOUN" and det & GENERIC_DETERMINERS:
        return None  # "any defections of members ...", "more defections": generic, not an event
    if trigger.pos_ == "VERB" and not (m.actors or m.recipients or m.time or m.place):
        return None  # "the measures freeze assets": nothing to code it by
    if trigger.pos_ == "NOUN" and not m.actors and not m.recipients:
        governed_by_report = trigger.dep_ in ("dobj", "nsubjpass") and trigger.head.lemma_.lower() in attr_stage.lexicon()["verb_status"]
        if governed_by_report and det & ANAPHORIC_DETERMINERS:
            m.anaphoric = True  # "Bakkar confirmed the defections": a report about an event told before
        elif m.time is None and m.place is None:
            return None  # a bare noun with no one, no when, no where: commentary, not an event
    chosen = choose_type(candidates, m.actors, m.recipients, scores)
    if chosen is None:
        return None  # e.g. ACLED's "Excessive force against protesters" with no state force acting
    m.type = chosen
    return m


def _verb_arguments(verb: Token, etype: EventType) -> tuple[list[Token], list[Token]]:
    children = list(verb.children)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in children)
    actor_heads: list[Token] = []
    recipients: list[Token] = []
    agent = next((c for c in children if c.dep_ == "agent"), None)
    if agent is None and verb.tag_ == "VBN":
        # "condemned both inside Syria and by much of the world": the parser hangs "by" under a conjunct.
        agent = next((t for t in verb.subtree if t.lower_ == "by" and t.dep_ in ("agent", "prep", "conj")
                      and all(a.dep_ in ("prep", "conj", "cc", "pobj") for a in t.ancestors if a.i != verb.i and verb in a.ancestors)), None)
    if agent is not None:
        actor_heads += [c for c in agent.children if c.dep_ == "pobj"]
    if passive:
        recipients += [c for c in children if c.dep_ == "nsubjpass"]
    else:
        subj = [c for c in children if c.dep_ == "nsubj"]
        node = verb
        while not subj and node.dep_ in ("xcomp", "conj", "advcl") and node.head.i != node.i:
            node = node.head  # "threatened to attack", "said ... and described": the shared subject
            subj = [c for c in node.children if c.dep_ in ("nsubj",)]
        actor_heads += subj
        if not etype.object_is_theme:
            recipients += [c for c in children if c.dep_ == "dobj"]
    if verb.dep_ == "acl" and not actor_heads and verb.head.lower_ in actor_stage.QUANTIFIERS:
        actor_heads.append(verb.head)  # "Hundreds of residents protested", parsed as a modified noun
    elif verb.dep_ == "acl" and verb.tag_ == "VBN" and verb.head.pos_ in ("NOUN", "PROPN"):
        recipients.append(verb.head)  # "a regime condemned by ...": the noun is the target
    for prep in children:
        if prep.dep_ == "prep" and prep.lower_ in etype.recipient_preps:
            recipients += [c for c in prep.children if c.dep_ == "pobj"]
        elif prep.dep_ == "prep" and prep.lower_ == "between" and not actor_heads:
            _between(prep, actor_heads, recipients)
    return actor_heads, recipients


def _between(prep: Token, actor_heads: list[Token], recipients: list[Token]) -> None:
    """'fighting between the army and the rebels': the first side acts, the other is the target."""
    objects = [c for c in prep.children if c.dep_ == "pobj"]
    if objects:
        sides = actor_stage.conjuncts(objects[0])
        actor_heads.append(sides[0])
        recipients.extend(sides[1:2])


def _noun_arguments(noun: Token, etype: EventType, light_verbs: set[str]) -> tuple[list[Token], list[Token]]:
    actor_heads = [c for c in noun.children if c.dep_ == "poss"]
    recipients: list[Token] = []
    carrier = _light_verb_of(noun, light_verbs)
    if carrier is not None:
        # A light verb carries the arguments: "the EU imposed sanctions on X", "they signed a deal with Y",
        # "announced 300 million dollars in military aid to Ukraine".
        verb_actors, verb_recipients = _verb_arguments(carrier, etype)
        actor_heads += verb_actors
        recipients += [r for r in verb_recipients if r != noun and noun not in r.subtree]
    claimant = _claimant(noun)
    if claimant is not None and not actor_heads:
        actor_heads.append(claimant)
    preps = [c for c in noun.children if c.dep_ == "prep"]
    # The parser often attaches "the defection two days ago of X" to the verb: look just to the right.
    preps += [t for t in noun.doc[noun.i + 1:min(noun.i + 7, noun.sent.end)]
              if t.dep_ == "prep" and t.head == noun.head and t.lower_ == "of" and t not in preps]
    for prep in preps:
        objects = [c for c in prep.children if c.dep_ == "pobj"]
        if prep.lower_ == "between":
            _between(prep, actor_heads, recipients)
            continue
        if prep.lower_ in etype.noun_actor_preps:
            actor_heads += objects
        elif prep.lower_ in etype.recipient_preps or prep.lower_ == "of":
            recipients += objects
    return actor_heads, recipients


def _light_verb_of(noun: Token, light_verbs: set[str]) -> Token | None:
    """The light verb whose object is the noun, directly or through 'of'/'in' ('dollars in aid', 'tonnes of food')."""
    node = noun
    for _ in range(3):
        if node.dep_ == "dobj" and node.head.pos_ == "VERB":
            return node.head if node.head.lemma_.lower() in light_verbs else None
        if node.dep_ != "pobj" or node.head.lower_ not in ("of", "in") or node.head.head.i == node.head.i:
            return None
        node = node.head.head
    return None


def _claimant(noun: Token) -> Token | None:
    """'X claimed responsibility for the bombing': X is the one who did it (by its own claim)."""
    prep = noun.head
    if noun.dep_ != "pobj" or prep.lower_ != "for" or prep.head.lemma_.lower() != "responsibility":
        return None
    verb = prep.head.head
    if verb.lemma_.lower() not in ("claim", "accept", "admit", "take"):
        return None
    return next((c for c in verb.children if c.dep_ == "nsubj"), None)


TEMPORAL_MARKS = {"when", "as", "after", "while", "before", "once"}


def _temporal_clause_of(clause: Token, main: Token) -> bool:
    """'killed when a bomb exploded on Monday': the when-clause dates the main clause's event."""
    return clause.dep_ == "advcl" and clause.head == main and any(
        c.dep_ in ("mark", "advmod") and c.lower_ in TEMPORAL_MARKS for c in clause.children)


def _own_time(trigger: Token, info: SentenceInfo) -> TimeExpression | None:
    """The time expression of the trigger's own clause; one that dates a report ("reported on Monday") is not."""
    report_verbs = attr_stage.lexicon()["verb_status"]
    clause = clause_verb(trigger)
    best, best_distance = None, None
    for t in info.times:
        token = trigger.doc.char_span(info.span.start_char + t.start, info.span.start_char + t.end,
                                      alignment_mode="expand")
        if token is None:
            continue
        governor = clause_verb(token.root)
        if governor.lemma_.lower() in report_verbs and governor != trigger:
            continue
        if governor != clause and not (clause.dep_ in ("xcomp", "conj") and clause.head == governor) \
                and not _temporal_clause_of(governor, clause):
            continue  # "signed on 9 March, ending two months of fighting": the date is the signing's
        distance = abs(token.root.i - trigger.i)
        if best_distance is None or distance < best_distance:
            best, best_distance = t, distance
    return best


def _own_place(trigger: Token, sent: Span, toponyms: list, actor_heads: list[Token]):
    """A toponym attached to the trigger's clause, not one that only describes an actor."""
    actor_spans = [actor_stage.np_span(h) for h in actor_heads]
    anchors = {trigger.i, trigger.head.i} if trigger.pos_ == "NOUN" else {trigger.i}
    candidates = []
    for t in toponyms:
        if not (sent.start <= t.start < sent.end):
            continue
        if any(s.start <= t.start < s.end for s in actor_spans):
            continue
        node, hops = t.span.root, 0
        while hops < 8 and node.i not in anchors and node.head.i != node.i:
            if node.dep_ == "advcl" and _temporal_clause_of(node, node.head):
                node, hops = node.head, hops + 1
                continue
            if node.dep_ in ("nsubj", "nsubjpass", "ccomp", "advcl", "relcl", "acomp", "xcomp") or (node.dep_ == "pobj" and node.head.lower_ == "of" and hops > 1):
                break
            node, hops = node.head, hops + 1
        if node.i in anchors:
            candidates.append(t)
    return place_stage.most_specific(candidates)


def _attribution(found: attr_stage.Found, ctx, article: Article) -> Attribution:
    source_actor, source_text = None, None
    if found.source is not None:
        source_text = actor_stage.np_span(found.source).text
        source_actor = actor_stage.code_actor(found.source, ctx)
        # "The coordinator of the council, Khaled Bakkar, confirmed": the person is the source.
        named = next((c for c in found.source.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
        if named is not None:
            office = actor_stage.canonical(actor_stage.np_span(found.source))
            if named.i in ctx.person_at:
                source_actor = actor_stage.code_person(ctx.person_at[named.i], ctx)
            elif source_actor is not None:
                name = actor_stage.np_span(named).text
                source_actor = source_actor.model_copy(update={"name": name, "attributes": {
                    **source_actor.attributes, "kind": "person", "title": office}})
            if source_actor is not None:
                source_text = f"{source_actor.name}, {office}"
    return Attribution(status=found.status, source_text=source_text, source_actor=source_actor,
                       outlet=article.outlet, cue=found.cue)


# --- merging mentions of one event ---------------------------------------------------------------

def merge_mentions(mentions: list[Mention], ctx) -> list[Mention]:
    mentions = _absorb_generic(mentions)
    events: list[Mention] = []
    for m in mentions:
        target = None
        if m.anaphoric:
            # The antecedent is the event of that type told most recently, not the one created last.
            recent = [e for e in events if e.type is m.type and m.sent_index - _last_sentence(e) <= 3]
            target = max(recent, key=lambda e: max(x.trigger.i for x in [e] + e.extra), default=None)
            if target is None:
                continue
        else:
            target = next((e for e in events if e.type is m.type and e.negated == m.negated and (
                e.sent_index == m.sent_index and e.trigger.sent == m.trigger.sent and _compatible_lists(e.actors, m.actors)
                and _compatible_lists(e.recipients, m.recipients)
                or (e.actors and m.actors and _same_actor(e.actors[0], m.actors[0]))
                or (not (e.actors and m.actors) and e.recipients and m.recipients and e.cue == m.cue
                    and _same_actor(e.recipients[0], m.recipients[0]))
                or (e.sent_index == m.sent_index and _facing(e, m)))), None)
        if target is None and m.time is None and m.actors:
            # A later, undated mention by the same kind of actor elaborates the event already told.
            target = next((e for e in events if e.type is m.type and e.negated == m.negated and e.actors
                           and _same_kind(e.actors[0], m.actors[0])
                           and (m.place is None or e.place is None or m.place.entry == e.place.entry)), None)
        if target is None:
            events.append(m)
        else:
            target.extra.append(m)
    return events


def _absorb_generic(mentions: list[Mention]) -> list[Mention]:
    """'killed in a drone strike': where a type yields to a more specific one in the same sentence, it is that event."""
    out = []
    for m in mentions:
        host = next((n for n in mentions if n is not m and n.sent_index == m.sent_index and n.type.name in m.type.yields_to
                     and n.negated == m.negated), None)
        if host is None:
            out.append(m)
        else:
            host.extra.append(m)
    return out


def _facing(a: Mention, b: Mention) -> bool:
    """'Police dispersed the protesters' beside 'the protesters marched': one side's actor is the other's target."""
    return any(_same_actor(x, y) for x in a.actors for y in b.recipients) or \
        any(_same_actor(x, y) for x in b.actors for y in a.recipients)


def _last_sentence(m: Mention) -> int:
    return max([m.sent_index] + [x.sent_index for x in m.extra])


def _same_kind(a: Actor, b: Actor) -> bool:
    """Same country and sector, and both groups (not one person and a counted crowd)."""
    if a.country != b.country or a.sector != b.sector:
        return False
    if "person" in (a.attributes.get("kind"), b.attributes.get("kind")):
        return _same_actor(a, b)
    return _plural(a) == _plural(b) and a.attributes.get("count") == b.attributes.get("count")


def _plural(a: Actor) -> bool:
    return a.attributes.get("number") == "plural" or "count" in a.attributes


def _head_word(a: Actor) -> str:
    return fold(a.name).split()[-1].rstrip("s") if a.name.strip() else ""


def _compatible_lists(a: list[Actor], b: list[Actor]) -> bool:
    return not a or not b or _same_actor(a[0], b[0])


def _same_actor(a: Actor, b: Actor) -> bool:
    if fold(a.name) == fold(b.name):
        return True
    if a.country == b.country and a.sector == b.sector and a.sector and _head_word(a) == _head_word(b):
        return True  # "two journalists" and "the journalists"
    for x, y in ((a, b), (b, a)):
        # "the first female officer" and "Almiqi": one unnamed person and one named, nothing in conflict.
        if x.attributes.get("kind") == "person" and y.attributes.get("kind") != "person" and "count" not in y.attributes \
                and not y.text.split()[-1].endswith("s") and y.sector is not None:
            if all(x.attributes.get(k) in (None, y.attributes.get(k)) or y.attributes.get(k) is None
                   for k in ("gender", "religion", "rank")) and (x.sector in (None, y.sector)) \
                    and x.country in (None, y.country):
                return True
    return False


# --- the final record --------------------------------------------------------------------------

def finalize(m: Mention, sentences: list[SentenceInfo], ctx, article: Article, ontology: Ontology,
             published: date | None) -> Event:
    group = [m] + m.extra
    primary = m
    actors = _best_actors(group)
    recipients = _union(x.recipients for x in group)
    if not recipients and m.type.default_recipient and actors:
        recipients = _default_recipient(m.type.default_recipient, actors[0], ctx)

    actors = [_fuller_name(a, ctx) for a in actors]
    recipients = [_fuller_name(a, ctx) for a in recipients]
    event_date = _date(group, sentences, ctx, actors, published)
    attribution = _attribution_of(group, sentences, ctx, actors, article)
    source = attribution.source_actor
    if attribution.status == AttributionStatus.reported and source is not None and actors \
            and source.attributes.get("kind") == "person" and fold(source.name) == fold(actors[0].name):
        # "He said he had defected": an actor's word about its own act is a claim.
        attribution = attribution.model_copy(update={"status": AttributionStatus.claimed, "source_text": source.name})
    place = next((x.place for x in group if x.place is not None), None)

    def evidence_of(x: Mention) -> Evidence:
        sent = sentences[x.sent_index].span
        return Evidence(article_id=article.id, sentence=sent.text, start=sent.start_char, end=sent.end_char,
                        trigger=x.trigger.text)

    sent = sentences[primary.sent_index].span
    evidence = evidence_of(primary)
    mentions = [evidence_of(x) for x in m.extra]
    confidence = 0.45 + 0.15 * bool(actors) + 0.1 * bool(recipients) + 0.1 * bool(event_date and event_date.source == DateSource.text) \
        + 0.05 * bool(place) + 0.05 * min(len(m.extra), 2)
    mode = next((x.type.mode_of(x.cue) for x in group if x.type.mode_of(x.cue)), None)
    scored = [x.model_score for x in group if x.model_score is not None]
    if scored:
        # The classifier's word moves the confidence: agreement raises it, a lone model event rests on it.
        confidence = max(scored) if m.coder == "model" else 0.7 * confidence + 0.3 * (0.5 + max(scored))
    return Event(
        id=stable_id(article.id, ontology.name, m.type.name, sent.start_char, primary.trigger.i),
        article_id=article.id,
        type=m.type.name,
        mode=mode,
        cameo=m.type.cameo,
        actors=actors,
        recipients=recipients,
        date=event_date,
        place=place_stage.to_place(place) if place is not None else None,
        attribution=attribution,
        negated=m.negated,
        future=any(x.future for x in group),
        hypothetical=all(x.hypothetical for x in group),
        confidence=round(min(confidence, 0.95), 2),
        evidence=evidence,
        mentions=mentions,
        ontology=ontology.name,
        category=m.type.group,
        coder=m.coder,
        model_score=round(max(scored), 3) if scored else None,
    )


def _union(lists) -> list[Actor]:
    out: dict[str, Actor] = {}
    for actors in lists:
        for a in actors:
            out.setdefault(fold(a.name), a)
    return list(out.values())


def _best_actors(group: list[Mention]) -> list[Actor]:
    candidates = [x.actors for x in group if x.actors]
    if not candidates:
        return []
    best = max(candidates, key=lambda a: (a[0].attributes.get("kind") == "person", -candidates.index(a)))
    merged = [a.model_copy(deep=True) for a in best]
    for other in candidates:
        if other is best:
            continue
        for k, v in other[0].attributes.items():
            if k not in ("country_from",):
                merged[0].attributes.setdefault(k, v)
    return merged


def _default_recipient(rule: dict, actor: Actor, ctx) -> list[Actor]:
    if actor.sector not in rule.get("actor_sectors", []) or actor.country is None:
        return []
    sector = rule.get("sector", "GOV")
    # The article's own name for that side ("the Assad regime"), if it has one.
    named = _article_actors(ctx, sector, actor.country)
    if named:
        return [named[0].model_copy(update={"attributes": {**named[0].attributes, "implied": "true"}})]
    return [Actor(text="", name=f"government of {actor.country}", country=actor.country, sector=sector,
                  attributes={"implied": "true"})]


def _article_actors(ctx, sector: str, country: str) -> list[Actor]:
    key = ("article_actors", sector, country)
    if key not in ctx.memo:  # asked once per event; the answer is the article's
        ctx.memo[key] = _find_article_actors(ctx, sector, country)
    return ctx.memo[key]


def _find_article_actors(ctx, sector: str, country: str) -> list[Actor]:
    found: dict[str, tuple[int, Actor]] = {}
    heads = actor_stage.lexicon()["head"]
    for token in ctx.doc:
        if token.pos_ == "NOUN" and heads.get(token.lemma_.lower()) == sector and token.lemma_.lower() in ("regime", "government", "authority", "administration", "junta"):
            actor = actor_stage.code_actor(token, ctx)
            if actor and actor.country == country:
                key = fold(actor.name)
                count, best = found.get(key, (0, actor))
                # The longest written form is the most informative ("the Assad regime" over "the regime").
                found[key] = (count + 1, best)
    ranked = sorted(found.values(), key=lambda x: (len(x[1].name.split()) > 1, x[0]), reverse=True)
    return [a for _, a in ranked]


def _fuller_name(actor: Actor, ctx) -> Actor:
    """'the regime' in an article that also says 'the Assad regime' is that regime."""
    if len(actor.name.split()) != 1 or not actor.sector or not actor.country or actor.attributes.get("kind") == "person":
        return actor
    for named in _article_actors(ctx, actor.sector, actor.country):
        if len(named.name.split()) > 1 and named.name.lower().endswith(actor.name.lower()):
            return actor.model_copy(update={"name": named.name})
    return actor


def _date(group: list[Mention], sentences: list[SentenceInfo], ctx, actors: list[Actor], published: date | None) -> EventDate | None:
    for x in sorted(group, key=lambda x: _PRECISION_ORDER[x.time.precision] if x.time else 9):
        if x.time:
            return EventDate(start=x.time.first, end=x.time.last, precision=x.time.precision,
                             source=DateSource.text, text=x.time.text)
    # The previous sentence of the same paragraph usually sets the scene's time.
    for x in group:
        prev = sentences[x.sent_index - 1] if x.sent_index > 0 else None
        past = [t for t in (prev.times if prev else []) if published is None or t.first <= published or x.future]
        if prev is not None and prev.paragraph == sentences[x.sent_index].paragraph and past:
            t = past[-1]
            return EventDate(start=t.first, end=t.last, precision=t.precision, source=DateSource.context, text=t.text)
    # A person's event is often dated where the article introduces the person.
    intro = _introduction(actors, sentences, ctx)
    if intro is not None and intro.times:
        t = intro.times[0]
        return EventDate(start=t.first, end=t.last, precision=t.precision, source=DateSource.context, text=t.text)
    if published is None:
        return None
    return EventDate(start=published, end=published, precision=DatePrecision.day, source=DateSource.publication)


_PRECISION_ORDER = {DatePrecision.minute: 0, DatePrecision.day: 1, DatePrecision.week: 2, DatePrecision.month: 3,
                    DatePrecision.year: 4}


def _introduction(actors: list[Actor], sentences: list[SentenceInfo], ctx) -> SentenceInfo | None:
    if not actors or actors[0].attributes.get("kind") != "person":
        return None
    person = ctx.persons.get(fold(actors[0].name.split()[-1]))
    if person is None:
        return None
    for info in sentences:
        if info.span.start <= person.first_token < info.span.end:
            return info
    return None


def _attribution_of(group: list[Mention], sentences: list[SentenceInfo], ctx, actors: list[Actor], article: Article) -> Attribution:
    own = [x.attribution for x in group if x.attribution is not None]
    if own:
        best = min(own, key=lambda a: (attr_stage.precedence(a.status), a.source_text is None))
        return _resolve_possessive_source(best, group, sentences)
    for x in group:
        prev = sentences[x.sent_index - 1] if x.sent_index > 0 else None
        if prev is not None and prev.paragraph == sentences[x.sent_index].paragraph and prev.attribution \
                and prev.attribution.kind == "marker" and prev.attribution.status != AttributionStatus.reported:
            return _attribution(prev.attribution, ctx, article)
    intro = _introduction(actors, sentences, ctx)
    if intro is not None and intro.attribution is not None and intro.attribution.kind == "marker":
        return _attribution(intro.attribution, ctx, article)
    return Attribution(status=AttributionStatus.reported, outlet=article.outlet)


def _resolve_possessive_source(a: Attribution, group: list[Mention], sentences: list[SentenceInfo]) -> Attribution:
    """'According to their sources': whose? The source named in the sentence before."""
    if not a.source_text or a.source_text.split()[0].lower() not in ("their", "its", "his", "her"):
        return a
    for x in group:
        prev = sentences[x.sent_index - 1] if x.sent_index > 0 else None
        if prev is None:
            continue
        owner = prev.attribution.source if prev.attribution and prev.attribution.source is not None else None
        if owner is None and prev.span.root.lemma_.lower() in attr_stage.lexicon()["verb_status"]:
            # "X reported that there had been rumours ...": the marker has no source, the reporter does.
            owner = next((c for c in prev.span.root.children if c.dep_ == "nsubj"), None)
        if owner is not None:
            return a.model_copy(update={"source_text": f"{actor_stage.np_span(owner).text} ({a.source_text})"})
    return a
