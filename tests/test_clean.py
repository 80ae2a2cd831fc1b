from conftest import FIXTURES

from dateline.clean import clean_text, split_paragraphs
from dateline.ingest import read_paths


def test_boilerplate_and_header_removed():
    text = (FIXTURES / "harbour-blast.txt").read_text()
    result = clean_text(text)
    assert result.title == "Blast hits harbour district"
    assert result.text.startswith("Three people were killed")
    for junk in ("Tell us what you think", "©", "You may also like", "Ferry services", "Published April"):
        assert junk not in result.text
    assert result.text.count("Blast hits harbour district") == 0
    assert any(r.startswith("©") for r in result.removed)


def test_wrapped_prose_is_folded_but_header_lines_are_not():
    text = "Title line\nPublished 1 May 2020\n\nThe minister said on Monday that the talks\nwould resume in June, officials added today.\n"
    paragraphs = split_paragraphs(text)
    assert paragraphs[0] == "Title line"
    assert paragraphs[1] == "Published 1 May 2020"
    assert paragraphs[2].startswith("The minister said") and "would resume" in paragraphs[2]


def test_publication_time_outlet_and_language_from_the_text():
    [article] = list(read_paths([FIXTURES / "harbour-blast.txt"]))
    assert article.published_at.isoformat() == "2021-04-06T17:05:00+00:00"
    assert article.published_precision.value == "minute"
    assert article.outlet == "Coastal Gazette"
    assert article.language == "en"
