"""Copies found by MinHash, reports of one event merged across outlets, and the cluster scores."""

from datetime import date

import pytest

from dateline import dedup
from dateline.cluster_eval import bcubed, evaluate_clusters, pairwise
from dateline.clusters import SourceInfo, cluster_events, pair_score
from dateline.model import Actor, Event, EventDate, Evidence, Place
from dateline.resources import examples_dir

STORY = ("Flooding cut the main road between the two river towns on Sunday, stranding hundreds of lorries, the "
         "roads authority said. Engineers expect the road to reopen on Wednesday if the water level keeps falling, "
         "and the authority advised drivers to use the northern route in the meantime.")


def test_copy_index_finds_edited_copies_not_rewrites():
    index = dedup.CopyIndex()
    index.add("wire", dedup.signature(STORY))
    copy = "Floods close road. " + STORY + " Copyright 2024 Valley News."
    rewrite = ("Hundreds of lorries were stuck on Sunday after floodwater covered the road linking the river towns, "
               "officials said; it may reopen midweek.")
    hit = index.find(dedup.signature(copy))
    assert hit is not None and hit[0] == "wire" and hit[1] >= dedup.THRESHOLD
    assert index.find(dedup.signature(rewrite)) is None
    # signatures survive the database round trip
    assert index.find(dedup.from_bytes(dedup.to_bytes(dedup.signature(copy))))[0] == "wire"


def event(article, type_="ASSAULT", day=10, place=None, actors=(), sentence="Something happened.", source="text",
          precision="day", negated=False):
    return Event(id=f"{article}-{type_}-{day}", article_id=article, type=type_, negated=negated,
                 date=EventDate(start=date(2024, 5, day), end=date(2024, 5, day), precision=precision, source=source),
                 place=place, actors=[Actor(text=a, name=a, country=c, sector=s) for a, c, s in actors],
                 evidence=Evidence(article_id=article, sentence=sentence, start=0, end=len(sentence), trigger="x"))


def town(name, lat, lon, country="KEN", precision="city", admin1=None):
    return Place(text=name, name=name, gazetteer_id=name, lat=lat, lon=lon, country=country, precision=precision,
                 admin1=admin1)


NAKURU, NAIVASHA, KISUMU = town("Nakuru", -0.30, 36.07), town("Naivasha", -0.72, 36.43), town("Kisumu", -0.09, 34.77)


def test_pair_rules():
    police = ("police", "KEN", "COP")
    assert pair_score(event("a", place=NAKURU), event("b", place=NAKURU)) >= 1
    assert pair_score(event("a", place=NAKURU), event("b", place=KISUMU)) is None  # 140 km apart
    assert pair_score(event("a", place=NAKURU), event("b", day=14, place=NAKURU)) is None  # four days apart
    assert pair_score(event("a", place=NAKURU), event("b", "PROTEST", place=NAKURU)) is None
    assert pair_score(event("a", place=NAKURU), event("b", "COERCE", place=NAKURU), {"ASSAULT": {"COERCE"}}) >= 1
    assert pair_score(event("a", place=NAKURU), event("b", place=NAKURU, negated=True)) is None
    # nothing to go on but the type and the day: not enough
    assert pair_score(event("a"), event("b")) == 0
    assert pair_score(event("a", actors=[police]), event("b", actors=[("Kenyan police officers", "KEN", "COP")])) >= 1
    assert pair_score(event("a", actors=[police]), event("b", actors=[("police", "UGA", "COP")])) is None
    # a date taken from the publication time is given slack; a month-precise one more
    assert pair_score(event("a", place=NAKURU), event("b", day=12, place=NAKURU, source="publication")) >= 1
    assert pair_score(event("a", place=NAKURU), event("b", day=18, place=NAKURU, precision="month")) >= 1
    # a country-level place contains the town; another country does not
    kenya = town("Kenya", 0.0, 38.0, precision="country")
    assert pair_score(event("a", place=NAKURU, actors=[police]), event("b", place=kenya, actors=[police])) >= 1
    assert pair_score(event("a", place=NAKURU), event("b", place=town("Uganda", 1, 32, "UGA", "country"))) is None
    # two sentences naming the same two proper names
    left = event("a", sentence="Troops clashed with M23 rebels near Sake on Thursday.")
    right = event("b", sentence="Fighting broke out between the army and M23 fighters outside Sake.")
    assert pair_score(left, right) >= 1


def test_clusters_count_articles_and_independent_outlets():
    events = [event("wire", place=NAKURU), event("paper", place=NAKURU), event("radio", place=NAKURU),
              event("other", place=NAIVASHA)]
    sources = {"wire": SourceInfo("Wire", copies=["Daily A", "Daily B"]), "paper": SourceInfo("Paper"),
               "radio": SourceInfo(None), "other": SourceInfo("Paper")}
    clusters = cluster_events(events, sources)
    assert sorted(len(c.event_ids) for c in clusters) == [1, 3]
    big = max(clusters, key=lambda c: len(c.event_ids))
    assert big.article_count == 5 and big.independent_outlets == 3
    assert big.outlets == ["Daily A", "Daily B", "Paper", "Wire"]
    # the same input in another order gives the same clusters
    again = cluster_events(list(reversed(events)), sources)
    assert [(c.id, c.event_ids) for c in again] == [(c.id, c.event_ids) for c in clusters]


def test_scores_on_known_clusterings():
    gold = ["a", "a", "a", "b", "b"]
    assert pairwise(gold, gold) == (1.0, 1.0, 1.0)
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    split = ["x", "x", "y", "z", "z"]  # one of a's reports is on its own
    p, r, _ = pairwise(gold, split)
    assert (p, round(r, 3)) == (1.0, 0.5)
    p, r, f = bcubed(gold, split)
    assert p == 1.0 and round(r, 3) == round((2 / 3 * 2 + 1 / 3 + 1 + 1) / 5, 3)
    lumped = ["x"] * 5
    assert pairwise(gold, lumped)[1] == 1.0 and pairwise(gold, lumped)[0] == 0.4


def test_bundled_cluster_gold():
    scores = evaluate_clusters(examples_dir() / "clusters" / "articles.jsonl", coder="cue")
    assert scores.articles >= 20 and scores.gold_clusters >= 8
    assert scores.copies == (1.0, 1.0, 1.0)
    assert scores.bcubed[2] >= 0.85 and scores.pairwise[2] >= 0.75
    assert scores.predicted_clusters <= scores.gold_clusters + 3
