from dateline import nlp, places


def resolve(text):
    return {t.text: t.entry for t in places.extract_places(nlp.parse(text))}


def test_same_name_resolved_by_the_articles_country():
    syria = resolve("Syrian troops shelled Homs on Monday. Residents fled towards Damascus as the Syrian army advanced.")
    libya = resolve("Libyan militias clashed in Homs, east of Tripoli, as Libyan officials called for calm in Libya.")
    assert syria["Homs"].country == "SYR"
    assert libya["Homs"].country == "LBY"


def test_tripoli_in_lebanon_and_in_libya():
    lebanon = resolve("Lebanese soldiers patrolled Tripoli after clashes, a Lebanese official said in Beirut.")
    libya = resolve("Gunfire was heard in Tripoli as Libyan factions fought near the airport, Libyan media said.")
    assert lebanon["Tripoli"].country == "LBN"
    assert libya["Tripoli"].country == "LBY"


def test_province_hint_and_spelling_variant():
    found = resolve("Unrest spread across Lattakia province, where Syrian forces set up checkpoints in Syria's west.")
    assert found["Lattakia"].kind == "admin1" and found["Lattakia"].country == "SYR"


def test_city_with_admin1_and_coordinates():
    [place] = [places.to_place(t) for t in places.extract_places(nlp.parse("Protesters gathered in Mombasa, Kenya."))
               if t.text == "Mombasa"]
    assert place.country == "KEN" and place.admin1 and place.lat and place.lon
    assert place.precision.value == "city"


def test_names_that_are_not_places():
    found = resolve("Police in Nairobi arrested him on Thursday as he fled into the bush near Garissa, Kenyan police said.")
    assert "Thursday" not in found and "bush" not in {k.lower() for k in found}
    assert found["Garissa"].country == "KEN"
