import csv
import io
import json

from conftest import FIXTURES
from typer.testing import CliRunner

from dateline.cli import app

runner = CliRunner()


def test_extract_prints_jsonl():
    result = runner.invoke(app, ["extract", str(FIXTURES / "harbour-blast.txt")])
    assert result.exit_code == 0, result.output
    events = [json.loads(l) for l in result.stdout.splitlines() if l.startswith("{")]
    assert {"ASSAULT", "COERCE"} <= {e["type"] for e in events}
    blast = next(e for e in events if e["type"] == "ASSAULT")
    assert blast["place"]["name"] == "Mombasa" and blast["date"]["start"] == "2021-04-05"


def test_ingest_twice_then_query(tmp_path):
    db = tmp_path / "d.duckdb"
    first = runner.invoke(app, ["ingest", str(FIXTURES), "--db", str(db)])
    assert "3 added" in first.output.replace("\n", " ") or "added" in first.output
    assert first.exit_code == 1  # broken.jsonl has bad lines: reported, the rest stored
    assert "broken.jsonl:2" in first.output
    again = runner.invoke(app, ["ingest", str(FIXTURES), "--db", str(db)])
    assert "0 added" in again.output
    listed = runner.invoke(app, ["events", "--db", str(db), "--format", "jsonl", "--country", "KEN"])
    assert listed.exit_code == 0
    assert all(json.loads(l) for l in listed.stdout.splitlines())
    csv_out = runner.invoke(app, ["events", "--db", str(db), "--format", "csv", "--type", "ASSAULT", "--mentions"])
    assert csv_out.stdout.splitlines()[0].startswith("id,article_id,ontology,category,type")
    clusters = runner.invoke(app, ["events", "--db", str(db), "--format", "csv"])
    header = clusters.stdout.splitlines()[0].split(",")
    assert header[:2] == ["id", "ontology"] and {"article_count", "independent_outlets"} <= set(header)
    problems = runner.invoke(app, ["problems", "--db", str(db)])
    assert "broken.jsonl:2" in problems.stdout and "invalid JSON" in problems.stdout
    n = len(runner.invoke(app, ["events", "--db", str(db), "--format", "jsonl"]).stdout.splitlines())
    acled = list(csv.reader(io.StringIO(runner.invoke(app, ["events", "--db", str(db), "--format", "acled"]).stdout)))
    assert acled[0][:4] == ["event_id_cnty", "event_date", "year", "time_precision"] and len(acled) - 1 == n
    gdelt = runner.invoke(app, ["events", "--db", str(db), "--format", "gdelt"]).stdout
    gdelt = list(csv.reader(io.StringIO(gdelt), delimiter="\t"))
    assert len(gdelt[0]) == 61 and len(gdelt) - 1 == n and all(len(r) == 61 for r in gdelt)
    geo = json.loads(runner.invoke(app, ["events", "--db", str(db), "--format", "geojson"]).stdout)
    assert len(geo["features"]) == n and any(f["geometry"] for f in geo["features"])
    refused = runner.invoke(app, ["events", "--db", str(db), "--format", "acled", "--mentions"])
    assert refused.exit_code == 2 and "one row per event cluster" in refused.output
    unknown = runner.invoke(app, ["events", "--db", str(db), "--format", "xlsx"])
    assert unknown.exit_code == 2 and "unknown format" in unknown.output


def test_clear_errors():
    missing = runner.invoke(app, ["events", "--db", "/nonexistent/x.duckdb"])
    assert missing.exit_code == 2 and "no such database" in missing.output
    bad_date = runner.invoke(app, ["events", "--db", str(FIXTURES / "harbour-blast.txt"), "--since", "yesterday"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output


def test_schema():
    result = runner.invoke(app, ["schema", "event"])
    schema = json.loads(result.stdout)
    assert {"actors", "recipients", "date", "place", "attribution", "evidence"} <= set(schema["properties"])


def _small_gold(path, acled=True):
    event = {"type": "COERCE", "evidence": "Police arrested five activists",
             "actor": {"country": "ZWE", "sector": "COP"}, "recipient": {"country": "ZWE", "sector": "OPP"},
             "date": "2019-02-11", "place": {"name": "Harare", "country": "ZWE"}, "status": "reported"}
    if acled:
        event["types"] = {"acled": "ARRESTS"}
    records = [{"text": "Police arrested five activists in Harare on Monday, their lawyer said.",
                "published_at": "2019-02-12", "events": [event]},
               {"text": "The central bank kept interest rates unchanged on Monday, citing slowing inflation.",
                "published_at": "2019-02-12", "events": []}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_eval_events_per_ontology(tmp_path):
    gold = _small_gold(tmp_path / "gold.jsonl")
    for ontology, label in (("plover", "COERCE"), ("acled", "ARRESTS")):
        result = runner.invoke(app, ["eval", "events", str(gold), "--ontology", ontology])
        assert result.exit_code == 0, result.output
        assert "event-type macro-F1 1.000, weighted-F1 1.000" in result.stdout
        assert "actor country+sector accuracy 1.000 (1/1" in result.stdout
        assert "confusion matrix" in result.stdout and label in result.stdout


def test_eval_events_scores_a_false_event(tmp_path):
    gold = _small_gold(tmp_path / "gold.jsonl")
    records = [json.loads(l) for l in gold.read_text().splitlines()]
    records[0]["events"] = []  # now the arrest is not in the gold: coding it is a false event
    gold.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(app, ["eval", "events", str(gold)])
    assert result.exit_code == 0, result.output
    assert "event-type macro-F1 0.000" in result.stdout


def test_eval_events_needs_labels_for_the_ontology(tmp_path):
    gold = _small_gold(tmp_path / "gold.jsonl", acled=False)
    result = runner.invoke(app, ["eval", "events", str(gold), "--ontology", "acled"])
    assert result.exit_code == 2
    assert "no type for ontology" in result.output and "'acled'" in result.output


def test_report_escapes_article_text(tmp_path):
    payload = tmp_path / "xss.txt"
    payload.write_text("Title\n\nPublished 4 May 2021\n\nPolice arrested <script>alert(1)</script> protesters "
                       "<img src=x onerror=alert(2)> in Nairobi on Monday, Kenyan police said.\n")
    db = tmp_path / "x.duckdb"
    runner.invoke(app, ["ingest", str(payload), "--db", str(db)])
    page = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--db", str(db), "--output", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "COERCE" in html and "<mark>arrested</mark>" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
