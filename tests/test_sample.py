"""The worked example in ../shared (skipped where that folder is absent)."""

import pytest
from conftest import SHARED

SAMPLE = SHARED / "samples" / "alawite-defection.txt"
pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples not present")


def test_worked_example():
    from dateline.ingest import read_paths
    from dateline.pipeline import code

    [article] = list(read_paths([SAMPLE]))
    assert article.published_at.isoformat() == "2012-10-11T11:51:00+00:00"
    for junk in ("Tell us what you think", "©", "You may also like", "Is it the end game"):
        assert junk not in article.text
    events = code(article)
    defections = {e.actors[0].name: e for e in events if e.type == "DEFECT"}
    almiqi, officers = defections["Zubaydah Almiqi"], defections["seven senior Alawite officers"]
    assert (almiqi.actors[0].country, almiqi.actors[0].sector) == ("SYR", "MIL")
    assert (officers.actors[0].country, officers.actors[0].sector) == ("SYR", "MIL")
    assert almiqi.date.start.isoformat() == "2012-10-10" and officers.date.start.isoformat() == "2012-10-09"
    for e in (almiqi, officers):
        assert (e.recipients[0].country, e.recipients[0].sector) == ("SYR", "GOV")
    assert almiqi.attribution.status.value == "claimed" and almiqi.attribution.source_actor.sector == "MED"
    assert officers.attribution.status.value == "confirmed" and "Khaled Bakkar" in officers.attribution.source_text
    fighting = next(e for e in events if e.type == "ASSAULT")
    assert fighting.place.gazetteer_id == "173364" and fighting.place.admin1 == "Latakia"
    # "According to their sources": the sources of the newspaper named in the sentence before.
    assert fighting.attribution.source_text == "Asharq Al-Awsat newspaper (their sources)"


def test_worked_example_in_the_acled_ontology():
    from dateline.ingest import read_paths
    from dateline.pipeline import code

    [article] = list(read_paths([SAMPLE]))
    events = code(article, ontology="acled")
    # Statements (the accusations) are no ACLED events; defections are a change to group/activity.
    assert sorted(e.type for e in events) == ["ARMED_CLASH", "CHANGE_TO_GROUP", "CHANGE_TO_GROUP"]
    changes = {e.actors[0].name: e for e in events if e.type == "CHANGE_TO_GROUP"}
    almiqi, officers = changes["Zubaydah Almiqi"], changes["seven senior Alawite officers"]
    assert almiqi.category == "Strategic developments"
    assert almiqi.attribution.status.value == "claimed" and almiqi.attribution.source_actor.sector == "MED"
    assert officers.attribution.status.value == "confirmed" and "Khaled Bakkar" in officers.attribution.source_text
    clash = next(e for e in events if e.type == "ARMED_CLASH")
    assert clash.category == "Battles" and clash.place.gazetteer_id == "173364"
    assert clash.attribution.source_text == "Asharq Al-Awsat newspaper (their sources)"
