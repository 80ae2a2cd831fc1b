"""The coder on sentences written for these tests: types, roles, dates, places, attribution, modality."""

from dateline.model import AttributionStatus


def one(events, type_):
    found = [e for e in events if e.type == type_]
    assert len(found) == 1, [(e.type, e.evidence.sentence) for e in events]
    return found[0]


def test_passive_attack_with_agent_date_and_place(code):
    events = code("A convoy of Malian soldiers was attacked by militants near Gao on Tuesday, the army said.")
    e = one(events, "ASSAULT")
    assert (e.actors[0].country, e.actors[0].sector) == ("MLI", "REB")
    assert (e.recipients[0].country, e.recipients[0].sector) == ("MLI", "MIL")
    assert e.date.start.isoformat() == "2021-03-09" and e.date.source.value == "text"
    assert e.place.name == "Gao" and e.place.country == "MLI"
    assert e.attribution.status == AttributionStatus.reported and e.attribution.source_text == "the army"


def test_compound_actors_from_one_phrase_and_from_coordination(code):
    e = one(code("Russian and Belarusian soldiers shelled the village on Friday, officials said."), "ASSAULT")
    assert [a.sector for a in e.actors] == ["MIL"]
    e = one(code("Rebels and soldiers clashed in Goma on Sunday, residents said."), "ASSAULT")
    assert {a.sector for a in e.actors} == {"REB", "MIL"}
    assert e.place.country == "COD"


def test_defection_defaults_to_leaving_own_government(code):
    e = one(code("A Venezuelan army colonel defected on Monday and crossed into Colombia, officials in Bogota said."), "DEFECT")
    assert (e.actors[0].country, e.actors[0].sector, e.actors[0].attributes.get("rank")) == ("VEN", "MIL", "colonel")
    assert (e.recipients[0].country, e.recipients[0].sector) == ("VEN", "GOV")


def test_apposition_names_the_source_and_confirms(code):
    events = code(
        "Two Chadian officers deserted from the army on Saturday.\n\n"
        "The governor of the region, Idriss Mahamat, confirmed the desertions.")
    e = one(events, "DEFECT")
    assert e.attribution.status == AttributionStatus.confirmed
    assert e.attribution.source_text.startswith("Idriss Mahamat")
    assert e.date.start.isoformat() == "2021-03-06"


def test_denied_claimed_rumoured(code):
    e = one(code("The ministry denied that its aircraft had bombed the hospital."), "ASSAULT")
    assert e.attribution.status == AttributionStatus.denied
    e = one(code("The group claimed that its fighters had ambushed a patrol in Kidal."), "ASSAULT")
    assert e.attribution.status == AttributionStatus.claimed
    e = one(code("Rumours spread that troops had stormed the compound in Kidal on Friday."), "ASSAULT")
    assert e.attribution.status == AttributionStatus.rumoured


def test_negated_future_hypothetical(code):
    assert one(code("Police did not fire on the protesters in Lagos, witnesses said."), "ASSAULT").negated
    assert one(code("The army will withdraw its troops from Kidal next month, the minister said."), "RETREAT").future
    # What a threat threatens is its content, not a second event (no "ASSAULT" besides the THREATEN).
    assert [e.type for e in code("The rebels threatened to attack the city if talks failed.")] == ["THREATEN"]
    assert [e.type for e in code("Rights groups accused the army of killing civilians in Gao.")] == ["ACCUSE"]
    assert one(code("If the talks fail, the rebels could attack the city, analysts warned."), "ASSAULT").hypothetical


def test_sentences_without_events_produce_nothing(code):
    quiet = ("The weather in the capital was mild on Monday. Markets opened higher as traders returned. "
             "Any defections would be a blow to the party, analysts said.")
    assert code(quiet) == []


def test_evidence_span_points_into_the_article_text(article):
    from dateline.pipeline import code

    a = article("Students marched in Nairobi on Monday against fee increases, organisers said.\n\n"
                "Police arrested twelve students outside the university, a police spokesman said.")
    events = code(a)
    assert {e.type for e in events} >= {"PROTEST", "COERCE"}
    for e in events:
        assert a.text[e.evidence.start:e.evidence.end] == e.evidence.sentence
        assert e.evidence.trigger in e.evidence.sentence
        assert e.article_id == a.id


def test_date_falls_back_to_publication_and_says_so(code):
    e = one(code("Soldiers arrested the mayor of Goma, a local official said."), "COERCE")
    assert e.date.source.value == "publication" and e.date.start.isoformat() == "2021-03-11"


def test_person_coding_from_title_and_pronoun(code):
    events = code("Colonel Amina Yusuf appeared in a video on Tuesday. She said she had defected from the Nigerian army.")
    e = one(events, "DEFECT")
    actor = e.actors[0]
    assert actor.name == "Amina Yusuf" and actor.sector == "MIL" and actor.country == "NGA"
    assert actor.attributes["gender"] == "female" and actor.attributes["rank"] == "colonel"


def test_user_ontology_file_adds_a_type(tmp_path, code):
    path = tmp_path / "extra.yaml"
    path.write_text("""
name: plover-plus-cyber
extends: plover
types:
  CYBERATTACK:
    definition: Attack computer systems or networks of another actor.
    verbs: [hack]
    nouns: [cyberattack]
    recipient_preps: ["on", against]
    examples: ["Hackers linked to the army hacked the ministry's servers."]
""")
    events = code("Iranian hackers hacked the servers of the Albanian government on Friday, officials said.",
                  ontology=str(path))
    e = one(events, "CYBERATTACK")
    assert e.actors[0].country == "IRN" and e.recipients[0].country == "ALB"
    assert e.ontology == "plover-plus-cyber"


def test_bad_ontology_file_is_a_clear_error(tmp_path):
    import pytest

    from dateline.ontology import OntologyError, load

    bad = tmp_path / "bad.yaml"
    bad.write_text("types:\n  X: {definition: no cues}\n")
    with pytest.raises(OntologyError, match="needs at least one cue"):
        load(str(bad))


def test_quantified_subject_is_the_actor(code):
    e = one(code("Thousands of farmers protested in Lahore on Friday against new taxes, Pakistani police said."), "PROTEST")
    assert e.actors and (e.actors[0].country, e.actors[0].sector) == ("PAK", "CVL")
    assert not e.recipients or e.recipients[0].sector != "CVL"


def test_self_report_and_participle_marker_are_claims(code):
    events = code("A video was posted online on Sunday by a Libyan television channel purporting to show a pilot, "
                  "identifying himself as Salem Farouk.\n\nHe said he had defected from the Libyan air force.")
    e = one(events, "DEFECT")
    assert e.actors[0].name == "Salem Farouk"
    # His own word about his own act, in the video: a claim, by him.
    assert e.attribution.status == AttributionStatus.claimed and e.attribution.source_text == "Salem Farouk"
    accuse = code("A video was posted online on Sunday by a Libyan television channel purporting to show a pilot, "
                  "identifying himself as Salem Farouk.\n\nHe described the government as criminal.")
    e = one(accuse, "ACCUSE")
    assert e.attribution.status == AttributionStatus.claimed and "channel" in e.attribution.source_text
    assert e.date.start.isoformat() == "2021-03-07"
