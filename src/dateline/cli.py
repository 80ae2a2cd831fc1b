"""The `dateline` command line: extract, ingest, events, schema, eval, demo."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .model import MODELS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="dateline: news articles in, traceable event records out.")
err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 200)

OntologyOpt = typer.Option("plover", "--ontology", help="plover, acled, or the path of an ontology YAML file.")
CoderOpt = typer.Option("hybrid", "--coder", help="hybrid (ontology cues + sentence classifier) or cue (cues alone).")


def _fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _articles(paths: list[Path]):
    """Articles from the paths; bad sources are reported on stderr and skipped."""
    from .ingest import IngestError, read_paths

    errors = []
    articles = []
    for item in read_paths(paths):
        if isinstance(item, IngestError):
            errors.append(item)
            err.print(f"[yellow]skipped[/yellow] {item}")
        else:
            articles.append(item)
    return articles, errors


@app.command()
def extract(files: List[Path] = typer.Argument(..., help="Text, HTML or JSONL files, or folders."),
            ontology: str = OntologyOpt, coder: str = CoderOpt):
    """Print the events of FILES as JSON lines (nothing is stored)."""
    from .ontology import OntologyError
    from .pipeline import code_many

    articles, errors = _articles(files)
    try:
        for result in code_many(articles, ontology, coder=coder):
            if result.error:
                err.print(f"[yellow]failed[/yellow] {result.article.source_path}: {result.error}")
                continue
            for event in result.events:
                sys.stdout.write(event.model_dump_json() + "\n")
    except (OntologyError, ValueError) as exc:
        _fail(str(exc))
    except BrokenPipeError:  # `dateline extract ... | head`: the reader has what it wanted
        sys.stderr.close()
        raise typer.Exit(0)
    if errors and not articles:
        raise typer.Exit(1)


SourcesArg = typer.Argument(..., help="Feed URLs, or text, HTML, JSONL, Parquet, WARC or feed files, or folders.")
DbOpt = typer.Option("dateline.duckdb", "--db", help="DuckDB file (created if missing) or postgresql://user@host/db.")
ReadDbOpt = typer.Option("dateline.duckdb", "--db", help="DuckDB file or postgresql://user@host/db.")


@app.command()
def ingest(sources: List[str] = SourcesArg,
           db: str = DbOpt,
           ontology: str = OntologyOpt,
           coder: str = CoderOpt,
           batch_size: int = typer.Option(32, help="Articles per batch (spaCy and the embedding model)."),
           rate: float = typer.Option(1.0, "--min-interval", help="Seconds between two requests to one host."),
           retries: int = typer.Option(3, "--retries", help="Attempts after a failed request (with backoff).")):
    """Code articles into the database. Stored articles are skipped, copies of stored ones linked, bad sources
    logged (see `dateline problems`), and a killed run picks up where it stopped when run again."""
    from .fetch import Fetcher

    stats = run_ingest(sources, db, ontology, batch_size, coder=coder,
                       fetcher=Fetcher(min_interval=rate, retries=retries))
    if stats.problems:
        raise typer.Exit(1)


def _check_options(ontology: str, coder: str) -> None:
    from .ontology import OntologyError, load
    from .pipeline import CODERS

    if coder not in CODERS:
        _fail(f"unknown coder {coder!r}: use one of {', '.join(CODERS)}")
    try:
        load(ontology)
    except OntologyError as exc:
        _fail(str(exc))


def _open_store(db: str, read_only: bool = False):
    from .store import Store, StoreError, store_exists

    if read_only and not store_exists(db):
        _fail(f"{db}: no such database (run `dateline ingest` first)")
    try:
        return Store(db, read_only=read_only)
    except StoreError as exc:
        _fail(str(exc))


def _progress(quiet: bool):
    """A live counter on a terminal; on a pipe or in a log, the runner's one line per batch instead."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} articles"),
                    TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal)


def _logger(quiet: bool):
    def log(line: str) -> None:
        if quiet:
            return
        if line.startswith("problem"):
            err.print(f"[yellow]{line}[/yellow]", soft_wrap=True)
        elif not err.is_terminal:
            err.print(line, soft_wrap=True)
    return log


def run_ingest(sources, db, ontology="plover", batch_size=32, quiet=False, coder="hybrid", fetcher=None):
    from .ingest import read_sources
    from .runner import Runner

    _check_options(ontology, coder)
    with _open_store(db) as store, _progress(quiet) as progress:
        task = progress.add_task("coding", total=None)
        runner = Runner(store, ontology, coder, batch_size, log=_logger(quiet),
                        on_article=lambda: progress.advance(task))
        runner.ingest(read_sources([str(s) for s in sources], fetcher))
        progress.update(task, description="clustering")
        runner.recluster()
        totals = {t: store.count(t) for t in ("articles", "events", "copies", "clusters")}
    if not quiet:
        err.print(f"{runner.stats.line()}. {db}: {totals['articles']} articles (+{totals['copies']} copies), "
                  f"{totals['events']} events in {totals['clusters']} clusters.")
    return runner.stats


@app.command()
def run(shards: List[Path] = typer.Argument(..., help="Shards: Parquet, WARC, JSONL files or folders."),
        out: Path = typer.Option(Path("dateline-out"), "--out", help="Folder for one coded file per shard."),
        db: str = DbOpt,
        engine: str = typer.Option("local", "--engine", help="local (this process) or ray (Ray Data actors)."),
        workers: Optional[int] = typer.Option(None, "--workers", help="Ray actors (default: one per core)."),
        cpus_per_worker: float = typer.Option(0.5, "--cpus-per-worker",
                                              help="CPUs Ray reserves per actor; fractional leaves room for Ray's own tasks."),
        ontology: str = OntologyOpt,
        coder: str = CoderOpt,
        batch_size: int = typer.Option(32, help="Articles per batch."),
        quiet: bool = typer.Option(False, "--quiet", "-q")):
    """Code shards to one output file each (finished shards are skipped on restart), then load them into --db."""
    from .engine import ENGINES, load_outputs, run_shards
    from .runner import Runner

    if engine not in ENGINES:
        _fail(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    _check_options(ontology, coder)
    missing = [str(s) for s in shards if not s.exists()]
    if missing:
        _fail(f"no such shard(s): {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    log = _logger(quiet)
    coded = skipped = 0
    for summary in run_shards([str(s) for s in shards], out, engine, ontology, coder, batch_size, workers,
                              cpus_per_worker):
        if summary["status"] == "skipped":
            skipped += 1
        else:
            coded += 1
        if not quiet:
            err.print(f"{summary['status']} {summary['shard']}: {summary['articles']} articles, {summary['events']} "
                      f"events, {summary['problems']} problems ({summary['seconds']} s)", soft_wrap=True)
    with _open_store(db) as store, _progress(quiet) as progress:
        task = progress.add_task("loading", total=None)
        runner = Runner(store, ontology, coder, batch_size, log=log)
        load_outputs([str(s) for s in shards], out, runner, on_article=lambda: progress.advance(task))
        runner.recluster()
        totals = {t: store.count(t) for t in ("articles", "events", "copies", "clusters")}
    if not quiet:
        err.print(f"{coded} shards coded, {skipped} already done. {runner.stats.line()}. {db}: {totals['articles']} "
                  f"articles (+{totals['copies']} copies), {totals['events']} events in {totals['clusters']} clusters.")
    if runner.stats.problems:
        raise typer.Exit(1)


@app.command()
def problems(db: str = ReadDbOpt):
    """List the sources and records that could not be read, coded or stored, with the reason."""
    with _open_store(db, read_only=True) as store:
        found = store.problems()
    table = Table(title=f"{db}: {len(found)} problems")
    for col in ("seen", "stage", "source", "reason"):
        table.add_column(col, overflow="fold")
    for p in found:
        table.add_row(p.seen_at.strftime("%Y-%m-%d %H:%M") if p.seen_at else "", p.stage, p.source, p.reason)
    out.print(table)


@app.command()
def events(db: str = ReadDbOpt,
           mentions: bool = typer.Option(False, "--mentions", help="List every coded mention, not merged clusters."),
           type: Optional[str] = typer.Option(None, "--type", help="Event type, e.g. ASSAULT."),
           country: Optional[str] = typer.Option(None, "--country", help="ISO alpha-3 of actor, recipient or place."),
           since: Optional[str] = typer.Option(None, "--since", help="YYYY-MM-DD"),
           until: Optional[str] = typer.Option(None, "--until", help="YYYY-MM-DD"),
           status: Optional[str] = typer.Option(None, "--status", help="claimed, reported, confirmed, denied, rumoured."),
           ontology: Optional[str] = typer.Option(None, "--ontology", help="Only this ontology's events."),
           limit: Optional[int] = typer.Option(None, "--limit"),
           format: str = typer.Option("table", "--format", help="table, jsonl, csv, parquet, geojson, or the "
                                      "flat layouts acled (CSV) and gdelt (tab-separated, GDELT 2.0 columns)."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (needed for parquet).")):
    """List stored events, filtered: one row per event cluster (reports merged across articles and outlets),
    or one per mention with --mentions."""
    from .exports import FORMATS, layout_articles, write_clusters, write_events
    from .store import StoreError

    if format != "table" and format not in FORMATS:
        _fail(f"unknown format {format!r}: use table, {', '.join(FORMATS)}")
    try:
        since_d = date.fromisoformat(since) if since else None
        until_d = date.fromisoformat(until) if until else None
    except ValueError as exc:
        _fail(f"--since/--until take YYYY-MM-DD: {exc}")
    filters = dict(type=type, country=country, since=since_d, until=until_d, status=status, limit=limit,
                   ontology=ontology)
    articles = None
    try:
        with _open_store(db, read_only=True) as store:
            found = store.events(**filters) if mentions else store.clusters(**filters)
            if not mentions:
                articles = layout_articles(store, format, found)
    except StoreError as exc:
        _fail(str(exc))
    if format == "table":
        out.print(events_table(found) if mentions else clusters_table(found))
        return
    target = str(output) if output else None
    try:
        if mentions:
            write_events(found, format, target)
        else:
            write_clusters(found, format, target, articles)
    except (StoreError, OSError) as exc:
        _fail(str(exc))


def _actor_names(actors) -> str:
    return ", ".join(f"{a.name} ({a.country or '?'} {a.sector or '?'})" for a in actors) or "-"


def _place_name(place) -> str:
    return f"{place.name}, {place.admin1 or ''} {place.country}".replace(",  ", ", ") if place else "-"


def clusters_table(found) -> Table:
    table = Table(show_lines=False, title=f"{len(found)} events (reports merged across articles)")
    for col in ("date", "type", "actor", "recipient", "place", "articles", "outlets", "status", "first report"):
        table.add_column(col, overflow="fold")
    for c in found:
        sentence = c.sentence if len(c.sentence) <= 90 else c.sentence[:87] + "..."
        table.add_row(str(c.date.start) if c.date else "-", c.type, _actor_names(c.actors), _actor_names(c.recipients),
                      _place_name(c.place), str(c.article_count), f"{c.independent_outlets} ({len(c.outlets)})",
                      c.status.value, sentence)
    return table


def events_table(found) -> Table:
    table = Table(show_lines=False)
    for col in ("date", "prec", "type", "actor", "recipient", "place", "status", "source"):
        table.add_column(col, overflow="fold")
    for e in found:
        actor, recipient, place = _actor_names(e.actors), _actor_names(e.recipients), _place_name(e.place)
        flags = "".join(f for f, on in (("¬", e.negated), ("→", e.future), ("?", e.hypothetical)) if on)
        table.add_row(str(e.date.start) if e.date else "-", e.date.precision.value if e.date else "-",
                      e.type + flags, actor, recipient, place, e.attribution.status.value,
                      e.attribution.source_text or "")
    return table


@app.command()
def schema(model: str = typer.Argument("event", help="event, article, actor, place or attribution.")):
    """Print the JSON Schema of a record type."""
    if model.lower() not in MODELS:
        _fail(f"unknown model {model!r}: choose from {', '.join(MODELS)}")
    print(json.dumps(MODELS[model.lower()].model_json_schema(), indent=2))


eval_app = typer.Typer(no_args_is_help=True, help="Score a stage against a gold file.")
app.add_typer(eval_app, name="eval")


@eval_app.command("events")
def eval_events(gold: Optional[List[Path]] = typer.Argument(
                    None, help="Gold JSONL file(s) (default: the bundled development gold, sentences and articles)."),
                ontology: str = OntologyOpt,
                coder: str = CoderOpt,
                matrix: bool = typer.Option(True, "--matrix/--no-matrix", help="Print the confusion matrix."),
                details: bool = typer.Option(False, "--details", help="Print every gold/predicted pair.")):
    """Score the event coder: per-type P/R/F1, macro and weighted F1, confusion matrix, and each field."""
    from .evaluate import confusion_report, evaluate_file, report, summary_lines, type_report
    from .ontology import OntologyError
    from .resources import examples_dir

    gold = gold or [examples_dir() / "sentences.jsonl", examples_dir() / "gold.jsonl"]
    for path in gold:
        if not path.exists():
            _fail(f"{path}: no such gold file")
    try:
        scores = evaluate_file(gold, ontology, details=details, console=out, coder=coder)
    except (OntologyError, ValueError) as exc:
        _fail(str(exc))
    title = f"{', '.join(p.name for p in gold)} ({ontology}, {coder})"
    out.print(type_report(scores, title))
    if matrix:
        out.print(confusion_report(scores))
    out.print(report(scores, title=title))
    for line in summary_lines(scores):
        out.print(line)


@eval_app.command("clusters")
def eval_clusters(gold: Optional[Path] = typer.Argument(
                      None, help="Cluster gold JSONL (default: the bundled articles about the same few events)."),
                  ontology: str = OntologyOpt,
                  coder: str = CoderOpt):
    """Score copy detection and the merging of reports into event clusters: pairwise and B-cubed P/R/F1."""
    from .cluster_eval import evaluate_clusters, report_lines
    from .resources import examples_dir

    gold = gold or examples_dir() / "clusters" / "articles.jsonl"
    if not gold.exists():
        _fail(f"{gold}: no such gold file")
    _check_options(ontology, coder)
    try:
        scores = evaluate_clusters(gold, ontology, coder)
    except (ValueError, KeyError) as exc:
        _fail(f"{gold}: {exc}")
    table = Table(title=f"{gold.name} ({ontology}, {coder}): gold events and the cluster holding most of their reports")
    for col in ("gold event", "articles", "outlets", "pieces", "type", "cluster articles", "cluster outlets"):
        table.add_column(col)
    for row in scores.per_cluster:
        table.add_row(row["cluster"], str(row["gold_articles"]), str(row["gold_outlets"]), str(row["pieces"]),
                      row["type"], str(row["articles"]), str(row["outlets"]))
    out.print(table)
    for line in report_lines(scores):
        out.print(line)


ontology_app = typer.Typer(no_args_is_help=True, help="Inspect and check event ontologies.")
app.add_typer(ontology_app, name="ontology")


@ontology_app.command("show")
def ontology_show(ontology: str = typer.Argument("plover", help="plover, acled, or an ontology YAML file.")):
    """List an ontology's types: group, label, definition, number of cues and of examples."""
    from .ontology import OntologyError, load

    try:
        onto = load(ontology)
    except OntologyError as exc:
        _fail(str(exc))
    table = Table(title=f"{onto.name}: {len(onto.types)} types ({onto.source})")
    for col in ("type", "group", "label", "cameo", "cues", "examples", "definition"):
        table.add_column(col)
    for t in onto.types.values():
        cues = len(t.verbs) + len(t.nouns) + len(t.phrases)
        table.add_row(t.name, t.group or "", t.label, t.cameo or "", str(cues), str(len(t.examples)), t.definition)
    out.print(table)
    out.print(f"{len(onto.negatives)} negative example sentences")


@ontology_app.command("check")
def ontology_check(ontology: str = typer.Argument(..., help="plover, acled, or an ontology YAML file.")):
    """Load an ontology, report problems, and cross-validate its sentence classifier on its own examples."""
    from .classifier import cross_validate
    from .ontology import OntologyError, load

    try:
        onto = load(ontology)
    except OntologyError as exc:
        _fail(str(exc))
    thin = [t.name for t in onto.types.values() if len(t.examples) < 5]
    if thin:
        err.print(f"[yellow]warning:[/yellow] fewer than 5 example sentences (the classifier learns little): {', '.join(thin)}")
    folds = min(5, min((len(t.examples) for t in onto.types.values()), default=0) or 2)
    if folds >= 2 and onto.negatives:
        out.print(f"{onto.name}: {len(onto.types)} types; classifier {folds}-fold accuracy on its examples: "
                  f"{cross_validate(onto, folds):.3f}")
    else:
        out.print(f"{onto.name}: {len(onto.types)} types; too few examples to cross-validate")


@app.command()
def report(db: str = ReadDbOpt,
           output: Path = typer.Option(Path("dateline-report.html"), "--output", "-o", help="HTML file to write.")):
    """Write a self-contained HTML page of the stored events with their evidence sentences."""
    from .report import render

    with _open_store(db, read_only=True) as store:
        found = store.events()
    output.write_text(render(found, title=f"dateline: {Path(db).name}"), encoding="utf-8")
    err.print(f"wrote {output} ({len(found)} events)")


@app.command()
def serve(db: str = ReadDbOpt,
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
          port: int = typer.Option(8000, "--port"),
          token: Optional[str] = typer.Option(None, "--token", envvar="DATELINE_TOKEN",
                                              help="Bearer token for writes (POST /articles, /ingest); none: read-only."),
          private: bool = typer.Option(False, "--private", help="Reads need the token too."),
          ontology: str = OntologyOpt,
          coder: str = CoderOpt):
    """Serve the HTTP API and the map page (map, timeline, filters, table, evidence) for a database."""
    import uvicorn

    from .api import create_app, vendor_missing
    from .store import StoreError, store_exists

    if private and not token:
        _fail("--private needs --token (or DATELINE_TOKEN)")
    if not store_exists(db):
        _fail(f"{db}: no such database (run `dateline ingest` or `dateline demo` first)")
    if token:
        _check_options(ontology, coder)
    missing = vendor_missing()
    if missing:
        err.print(f"[yellow]warning:[/yellow] the map page lacks {', '.join(missing)}: run scripts/bootstrap.sh")
    try:
        api = create_app(db, token=token, public_reads=not private, ontology=ontology, coder=coder)
    except StoreError as exc:
        _fail(str(exc))
    writes = "writes with the token" if token else "read-only (no --token)"
    err.print(f"dateline: {db} on http://{host}:{port}/ ({writes}; API schema at /openapi.json)")
    uvicorn.run(api, host=host, port=port, log_level="warning")


@app.command()
def demo(db: str = DbOpt,
         page: Path = typer.Option(Path("dateline-report.html"), "--page", help="HTML report to write.")):
    """Code the bundled example articles (and a set of reports of the same few events by several outlets) into
    the database, print the merged events and a summary, and write an HTML report."""
    from .resources import examples_dir
    from .store import Store

    run_ingest([examples_dir() / "articles", examples_dir() / "clusters" / "articles.jsonl"], db)
    with Store(db, read_only=True) as store:
        found = store.events()
        clusters = store.clusters()
        summary = store.summary()
    out.print(clusters_table(clusters))
    table = Table(title=f"{db}: event mentions by type")
    for col in ("type", "mentions", "articles", "with place", "dated in text"):
        table.add_column(col)
    for row in summary:
        table.add_row(*(str(x) for x in row))
    out.print(table)
    from .report import render

    page.write_text(render(found, title=f"dateline: {Path(db).name}"), encoding="utf-8")
    err.print(f"open {page.resolve()} in a browser for the events with their evidence")


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="Print the version.")):
    if version:
        print(__version__)
        raise typer.Exit()
