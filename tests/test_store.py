import json

import pyarrow.parquet as pq
import pytest

from dateline.pipeline import code
from dateline.exports import write_events
from dateline.store import Store, table_columns
from dateline.model import Event


@pytest.fixture
def coded(article):
    a = article("Police arrested twenty protesters in Accra on Tuesday, a police spokesman said.\n\n"
                "Gunmen attacked a bus near Kumasi on Monday, killing two passengers, Ghanaian police said.")
    return a, code(a)


def test_tables_come_from_the_model(tmp_path):
    with Store(tmp_path / "x.duckdb") as store:
        cols = {r[0] for r in store.db.execute("DESCRIBE events").fetchall()}
    assert set(table_columns(Event)) <= cols and {"date_start", "place_country", "status"} <= cols


def test_idempotent_and_filters(tmp_path, coded):
    a, events = coded
    path = tmp_path / "x.duckdb"
    with Store(path) as store:
        assert store.add(a, events) is True
        assert store.add(a, events) is False
        assert store.count("articles") == 1 and store.count("events") == len(events)
    with Store(path, read_only=True) as store:
        assert {e.type for e in store.events(type="coerce")} == {"COERCE"}
        assert all(e.date.start.isoformat() >= "2021-03-09" for e in store.events(since=__import__("datetime").date(2021, 3, 9)))
        back = {e.id: e for e in store.events(country="GHA")}
    assert back and all(back[e.id] == e for e in events if e.id in back)


def test_failed_write_loses_nothing_already_stored(tmp_path, coded, article):
    a, events = coded
    path = tmp_path / "x.duckdb"
    with Store(path) as store:
        store.add(a, events)
        other = article("Troops deployed to Tamale on Friday, the army said.")
        broken = events[0].model_copy(update={"id": events[0].id})  # duplicate primary key: the insert fails
        with pytest.raises(Exception):
            store.add(other, [broken])
        assert store.count("articles") == 1 and store.count("events") == len(events)
        assert not store.has_article(other.id)


def test_exports(tmp_path, coded):
    _, events = coded
    write_events(events, "parquet", str(tmp_path / "e.parquet"))
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == len(events) and "place_country" in table.column_names
    write_events(events, "csv", str(tmp_path / "e.csv"))
    assert (tmp_path / "e.csv").read_text().startswith("id,article_id,ontology,category,type")
    write_events(events, "jsonl", str(tmp_path / "e.jsonl"))
    rows = [json.loads(l) for l in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [e.id for e in events]


def test_an_older_database_gains_new_columns(tmp_path):
    import duckdb

    from dateline.store import Store

    path = tmp_path / "old.duckdb"
    with Store(path):
        pass
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE events DROP COLUMN category")  # as written before the field existed
    con.close()
    with Store(path) as store:
        assert "category" in {r[0] for r in store.db.execute("DESCRIBE events").fetchall()}
