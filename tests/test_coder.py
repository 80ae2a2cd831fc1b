"""The event coder: ontologies as files, type conditions, the sentence classifier, fuzzy actor names."""

import pytest
from typer.testing import CliRunner

from conftest import make_article


def coded(text, ontology="plover", published="2021-03-11T09:00:00Z"):
    from dateline.pipeline import code

    return code(make_article(text, published), ontology)


def types(text, ontology="acled"):
    return sorted(e.type for e in coded(text, ontology))


@pytest.mark.parametrize("text, expected", [
    ("Gunmen killed six villagers near Zamfara on Monday, Nigerian police said.", ["ATTACK"]),
    ("Gunmen killed six soldiers near Zamfara on Monday, the Nigerian army said.", ["ARMED_CLASH"]),
    ("Police shot dead two protesters in Nairobi on Tuesday, witnesses said.", ["EXCESSIVE_FORCE"]),
    ("Police fired tear gas to disperse hundreds of protesters in Nairobi on Tuesday.", ["PROTEST_WITH_INTERVENTION"]),
    ("Hundreds of nurses marched peacefully through Harare on Tuesday to demand better pay.", ["PEACEFUL_PROTEST"]),
    ("Rebels captured the town of Kalehe in South Kivu on Sunday, residents said.", ["NONSTATE_OVERTAKES_TERRITORY"]),
    ("The Congolese army recaptured the town of Kalehe on Sunday, a military spokesman said.",
     ["GOVERNMENT_REGAINS_TERRITORY"]),
    # One event, the specific one: the killing is the strike told twice.
    ("Two fighters were killed in a drone strike near Mosul on Friday, Iraqi officials said.", ["AIR_DRONE_STRIKE"]),
    ("A roadside bomb exploded under an army truck near Gao on Monday, killing three soldiers.", ["REMOTE_EXPLOSIVE"]),
    ("Army engineers defused a bomb found under a bridge in Mandera on Friday.", ["DISRUPTED_WEAPONS_USE"]),
    # Diplomacy is no ACLED event.
    ("The Kenyan president met the Ugandan president in Kampala on Monday.", []),
])
def test_acled_sub_event_types_follow_actors_and_context(text, expected):
    assert types(text) == expected


def test_acled_events_carry_their_event_type():
    [e] = coded("Police arrested the opposition leader at his home in Lusaka on Tuesday.", "acled")
    assert (e.type, e.category, e.ontology) == ("ARRESTS", "Strategic developments", "acled")


def test_a_user_type_needs_only_a_file(tmp_path):
    from dateline.classifier import for_ontology
    from dateline.ontology import load

    path = tmp_path / "cyber.yaml"
    path.write_text("""
name: plover-plus-cyber
extends: plover
types:
  CYBERATTACK:
    definition: Attack the computer systems or networks of another actor.
    verbs: [hack]
    nouns: [cyberattack]
    phrases: [[ransomware, attack]]
    recipient_preps: ["on", against]
    examples:
      - Hackers linked to the army hacked the ministry's servers.
      - A ransomware attack crippled the hospital's computer systems for a week.
      - State-backed hackers broke into the election commission's network.
      - A cyberattack took the national bank's website offline.
      - Hackers leaked thousands of emails stolen from the foreign ministry.
""")
    onto = load(str(path))
    assert "CYBERATTACK" in onto.types and "ASSAULT" in onto.types  # its own type, and PLOVER's
    assert "CYBERATTACK" in for_ontology(onto).labels  # the classifier learned it from the examples
    [e] = coded("Iranian hackers hacked the servers of the Albanian government on Friday, officials said.", str(path))
    assert e.type == "CYBERATTACK" and e.ontology == "plover-plus-cyber"
    assert (e.actors[0].country, e.recipients[0].country) == ("IRN", "ALB")
    assert e.coder in ("cue", "cue+model")

    from dateline.cli import app

    result = CliRunner().invoke(app, ["ontology", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "classifier" in result.stdout and "18 types" in result.stdout


def test_a_typo_in_an_ontology_file_is_named(tmp_path):
    from dateline.ontology import OntologyError, load

    path = tmp_path / "typo.yaml"
    path.write_text("types:\n  X: {definition: d, verbs: [hack], exampels: [a]}\n")
    with pytest.raises(OntologyError, match="unknown key.*exampels"):
        load(str(path))


def _code_with_scores(text, scores):
    """Code one sentence with the classifier's probabilities fixed by the test."""
    from dateline import nlp, ontology
    from dateline.events import code_article

    article = make_article(text)
    doc = nlp.parse(article.text)
    return code_article(article, doc, ontology.load("plover"), sentence_scores=[scores] * len(list(doc.sents)))


def test_classifier_alone_adds_an_event_only_when_sure():
    text = "The Qatari foreign minister travelled to Tehran on Monday for consultations with Iranian leaders."
    sure = _code_with_scores(text, {"CONSULT": 0.9, "NONE": 0.1})
    assert [(e.type, e.coder) for e in sure] == [("CONSULT", "model")]
    assert sure[0].actors[0].country == "QAT" and sure[0].model_score == 0.9
    assert _code_with_scores(text, {"CONSULT": 0.5, "NONE": 0.5}) == []


def test_classifier_confirms_or_vetoes_a_cue():
    text = "Police arrested twelve activists in Harare on Monday."
    confirmed = _code_with_scores(text, {"COERCE": 0.7, "NONE": 0.3})
    assert [(e.type, e.coder) for e in confirmed] == [("COERCE", "cue+model")]
    unconfirmed = _code_with_scores(text, {"COERCE": 0.1, "NONE": 0.5, "PROTEST": 0.4})
    assert [(e.type, e.coder) for e in unconfirmed] == [("COERCE", "cue")]
    assert unconfirmed[0].confidence < confirmed[0].confidence
    assert _code_with_scores(text, {"COERCE": 0.01, "NONE": 0.99}) == []  # sure there is no event


def test_cue_only_coder_needs_no_model():
    from dateline.pipeline import code

    [e] = code(make_article("Police arrested twelve activists in Harare on Monday."), coder="cue")
    assert e.coder == "cue" and e.model_score is None


def test_fuzzy_names_of_armed_groups():
    [e] = coded("Al-Shabab fighters attacked a police station in Garissa on Monday, Kenyan officials said.")
    assert e.actors[0].name == "al-Shabaab" and e.actors[0].sector == "REB"
