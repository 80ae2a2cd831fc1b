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
from .ontology import EventType, Ontology
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
    extra: list["Mention"] = field(default_factory=list)


@dataclass
class SentenceInfo:
    span: Span
    paragraph: int
    times: list[TimeExpression]
    attribution: attr_stage.Found | None = None


def code_article(article: Article, doc: Doc, ontology: Ontology, toponyms: list | None = None) -> list[Event]:
    if toponyms is None:
        toponyms = place_stage.extract_places(doc)
    ctx = actor_stage.build_context(doc, toponyms)
    published = article.published_at.date() if article.published_at else None
    sentences = [SentenceInfo(s, p, find_times(s.text, published) if published else [])
                 for s, p in zip(doc.sents, paragraph_index(doc))]
    mentions: list[Mention] = []
    for index, info in enumerate(sentences):
        info.attribution = attr_stage.attribute(info.span.root, info.span, sentence_level=True)
        for trigger, etype, cue in find_triggers(info.span, ontology):
            mention = build_mention(trigger, etype, cue, index, info, ctx, toponyms, article, ontology.light_verbs)
            if mention is not None:
                mentions.append(mention)
    merged = merge_mentions(mentions, ctx)
    return [finalize(m, sentences, ctx, article, ontology, published) for m in merged]


# --- triggers ----------------------------------------------------------------------------------

def find_triggers(sent: Span, ontology: Ontology):
    verbs, nouns = ontology.verb_cues(), ontology.noun_cues()
    used: set[int] = set()
    for etype in ontology.types.values():
        for phrase in etype.phrases:
            for token in sent:
                window = sent.doc[token.i:token.i + len(phrase)]
                if len(window) == len(phrase) and all(t.lemma_.lower() == w or t.lower_ == w for t, w in zip(window, phrase)):
                    if token.i not in used:
                        used.update(t.i for t in window)
                        yield token, etype, " ".join(phrase)
    for token in sent:
        if token.i in used:
            continue
        lemma = token.lemma_.lower()
        if token.pos_ == "VERB" and lemma in verbs:
            for etype in verbs[lemma]:
                if _requirements_met(token, etype, lemma):
                    used.add(token.i)
                    yield token, etype, lemma
                    break
        elif token.pos_ == "NOUN" and lemma in nouns and token.dep_ not in ("compound", "poss"):
            for etype in nouns[lemma]:
                if etype.noun_needs_verb and token.head.lemma_.lower() not in etype.noun_needs_verb:
                    continue
                used.add(token.i)
                yield token, etype, lemma
                break


def _requirements_met(token: Token, etype: EventType, lemma: str) -> bool:
    needed = etype.requires_any.get(lemma)
    if not needed:
        return True
    return any(t.lemma_.lower() in needed or t.lower_ in needed for t in token.subtree)


# --- one mention -------------------------------------------------------------------------------

def build_mention(trigger: Token, etype: EventType, cue: str, index: int, info: SentenceInfo,
                  ctx, toponyms: list, article: Article, light_verbs: set[str] = frozenset()) -> Mention | None:
    m = Mention(etype, trigger, cue, index)
    if trigger.pos_ == "VERB":
        actor_heads, recipient_heads = _verb_arguments(trigger, etype)
    else:
        actor_heads, recipient_heads = _noun_arguments(trigger, etype, light_verbs | etype.noun_needs_verb)
    place_heads = {t.span.root.i for t in toponyms}
    m.actor_heads = [h for h in actor_heads]
    for head in actor_heads:
        for conj in actor_stage.conjuncts(head):
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
        while not subj and node.dep_ in ("xcomp", "conj", "advcl") and node.head is not node:
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
    return actor_heads, recipients


def _noun_arguments(noun: Token, etype: EventType, light_verbs: set[str]) -> tuple[list[Token], list[Token]]:
    actor_heads = [c for c in noun.children if c.dep_ == "poss"]
    recipients: list[Token] = []
    if noun.dep_ == "dobj" and noun.head.pos_ == "VERB" and noun.head.lemma_.lower() in light_verbs:
        # A light verb carries the arguments: "the EU imposed sanctions on X", "they signed a deal with Y".
        verb_actors, verb_recipients = _verb_arguments(noun.head, etype)
        actor_heads += verb_actors
        recipients += [r for r in verb_recipients if r != noun]
    preps = [c for c in noun.children if c.dep_ == "prep"]
    # The parser often attaches "the defection two days ago of X" to the verb: look just to the right.
    preps += [t for t in noun.doc[noun.i + 1:min(noun.i + 7, noun.sent.end)]
              if t.dep_ == "prep" and t.head == noun.head and t.lower_ == "of" and t not in preps]
    for prep in preps:
        objects = [c for c in prep.children if c.dep_ == "pobj"]
        if prep.lower_ in etype.noun_actor_preps:
            actor_heads += objects
        elif prep.lower_ in etype.recipient_preps or prep.lower_ == "of":
            recipients += objects
    return actor_heads, recipients


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
        while hops < 8 and node.i not in anchors and node.head is not node:
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
                or (e.actors and m.actors and _same_actor(e.actors[0], m.actors[0]))
                or (not (e.actors and m.actors) and e.recipients and m.recipients and e.cue == m.cue
                    and _same_actor(e.recipients[0], m.recipients[0])))), None)
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
        if prev is not None and prev.attribution and prev.attribution.source is not None:
            owner = actor_stage.np_span(prev.attribution.source).text
            return a.model_copy(update={"source_text": f"{owner} ({a.source_text})"})
    return a
