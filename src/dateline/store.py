"""Store: articles, events, copies, clusters and problems in a DuckDB file, tables derived from the model; idempotent writes; exports."""

from __future__ import annotations

import csv
import json
import sys
import types
import typing
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Iterator

import duckdb
from pydantic import BaseModel

from .model import Article, ArticleCopy, Event, EventCluster, IngestProblem

DEFAULT_DB = "dateline.duckdb"

# Flat columns derived from each event, for filtering and for researchers' CSV/Parquet exports.
EVENT_COLUMNS: dict[str, tuple[str, Any]] = {
    "date_start": ("DATE", lambda e: e.date.start if e.date else None),
    "date_end": ("DATE", lambda e: e.date.end if e.date else None),
    "date_precision": ("VARCHAR", lambda e: e.date.precision.value if e.date else None),
    "date_source": ("VARCHAR", lambda e: e.date.source.value if e.date else None),
    "actor_name": ("VARCHAR", lambda e: "; ".join(a.name for a in e.actors) or None),
    "actor_country": ("VARCHAR", lambda e: e.actors[0].country if e.actors else None),
    "actor_sector": ("VARCHAR", lambda e: e.actors[0].sector if e.actors else None),
    "recipient_name": ("VARCHAR", lambda e: "; ".join(a.name for a in e.recipients) or None),
    "recipient_country": ("VARCHAR", lambda e: e.recipients[0].country if e.recipients else None),
    "recipient_sector": ("VARCHAR", lambda e: e.recipients[0].sector if e.recipients else None),
    "place_name": ("VARCHAR", lambda e: e.place.name if e.place else None),
    "place_id": ("VARCHAR", lambda e: e.place.gazetteer_id if e.place else None),
    "place_country": ("VARCHAR", lambda e: e.place.country if e.place else None),
    "place_admin1": ("VARCHAR", lambda e: e.place.admin1 if e.place else None),
    "place_precision": ("VARCHAR", lambda e: e.place.precision.value if e.place else None),
    "lat": ("DOUBLE", lambda e: e.place.lat if e.place else None),
    "lon": ("DOUBLE", lambda e: e.place.lon if e.place else None),
    "status": ("VARCHAR", lambda e: e.attribution.status.value),
    "source": ("VARCHAR", lambda e: e.attribution.source_text),
    "outlet": ("VARCHAR", lambda e: e.attribution.outlet),
    "sentence": ("VARCHAR", lambda e: e.evidence.sentence),
}


class StoreError(RuntimeError):
    pass


def _sql_type(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _sql_type(args[0]) if len(args) == 1 else "JSON"
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "BOOLEAN"
        if issubclass(annotation, Enum) or issubclass(annotation, str):
            return "VARCHAR"
        if issubclass(annotation, int):
            return "BIGINT"
        if issubclass(annotation, float):
            return "DOUBLE"
        if issubclass(annotation, datetime):
            return "TIMESTAMPTZ"
        if issubclass(annotation, date):
            return "DATE"
    return "JSON"  # lists, dicts and nested models


def table_columns(model: type[BaseModel]) -> dict[str, str]:
    return {name: _sql_type(field.annotation) for name, field in model.model_fields.items()}


def _value(value: Any, sql_type: str):
    if sql_type == "JSON":
        return json.dumps(_plain(value), ensure_ascii=False)
    if isinstance(value, Enum):
        return value.value
    return value


def _plain(value: Any):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# Clusters carry the same flat columns as events, less those that belong to one mention.
CLUSTER_COLUMNS = {k: v for k, v in EVENT_COLUMNS.items() if k not in ("status", "source", "outlet", "sentence",
                                                                      "date_source")}
# Tables derived from the model, with the flat columns added to each.
TABLES: dict[str, tuple[type[BaseModel], dict]] = {
    "articles": (Article, {}),
    "events": (Event, EVENT_COLUMNS),
    "copies": (ArticleCopy, {}),
    "clusters": (EventCluster, CLUSTER_COLUMNS),
    "problems": (IngestProblem, {}),
}


def _where(filters: dict, date_cols=("date_start", "date_end")) -> tuple[str, list]:
    """SQL conditions shared by event and cluster queries."""
    where, params = [], []
    if filters.get("type"):
        where.append("type = ?")
        params.append(filters["type"].upper())
    if filters.get("country"):
        where.append("(actor_country = ? OR recipient_country = ? OR place_country = ?)")
        params += [filters["country"].upper()] * 3
    if filters.get("since"):
        where.append(f"{date_cols[1]} >= ?")
        params.append(filters["since"])
    if filters.get("until"):
        where.append(f"{date_cols[0]} <= ?")
        params.append(filters["until"])
    if filters.get("status"):
        where.append("status = ?")
        params.append(filters["status"].lower())
    if filters.get("ontology"):
        where.append("ontology = ?")
        params.append(filters["ontology"])
    return (" WHERE " + " AND ".join(where) if where else ""), params


class Store:
    def __init__(self, path: str | Path = DEFAULT_DB, read_only: bool = False):
        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self.columns = {name: {**table_columns(model), **{k: t for k, (t, _) in flat.items()}}
                        for name, (model, flat) in TABLES.items()}
        if not read_only:
            self._create()

    def _create(self) -> None:
        def ddl(table: str, columns: dict[str, str]) -> str:
            cols = ", ".join(f'"{c}" {t}' + (" PRIMARY KEY" if c == "id" else "") for c, t in columns.items())
            return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"

        for table, columns in self.columns.items():
            self.con.execute(ddl(table, columns))
        # MinHash signatures of stored articles, so a later run recognises copies of them.
        self.con.execute("CREATE TABLE IF NOT EXISTS signatures (article_id VARCHAR PRIMARY KEY, minhash BLOB)")
        # A database written by an older version lacks the newer fields: add them (NULL for old rows).
        for table, columns in self.columns.items():
            have = {r[0] for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
            for name, sql_type in columns.items():
                if name not in have:
                    self.con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {sql_type}')

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- writes -----------------------------------------------------------------------------

    def has_article(self, article_id: str) -> bool:
        return self.con.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is not None

    def article_source(self, article_id: str) -> tuple[str | None, str | None] | None:
        return self.con.execute("SELECT url, source_path FROM articles WHERE id = ?", [article_id]).fetchone()

    def add(self, article: Article, events: Iterable[Event], signature: bytes | None = None) -> bool:
        """Store an article, its events and its signature in one transaction; False if it was already stored."""
        if self.has_article(article.id):
            return False
        events = list(events)
        with self.transaction():
            self._insert("articles", [self._row("articles", article)])
            self._insert("events", [self._row("events", e) for e in events])
            if signature is not None:
                self.con.execute("INSERT INTO signatures VALUES (?, ?) ON CONFLICT DO NOTHING", [article.id, signature])
        return True

    def add_copy(self, copy: ArticleCopy) -> bool:
        """Link a copy to the stored article it repeats; False if this copy was already linked."""
        if self.con.execute("SELECT 1 FROM copies WHERE id = ?", [copy.id]).fetchone():
            return False
        self._insert("copies", [self._row("copies", copy)])
        return True

    def add_problem(self, problem: IngestProblem) -> None:
        """Log a source that failed, once per source and reason (a rerun does not repeat the entry)."""
        names = ", ".join(f'"{c}"' for c in self.columns["problems"])
        marks = ", ".join("?" for _ in self.columns["problems"])
        self.con.execute(f"INSERT INTO problems ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                         self._row("problems", problem))

    def transaction(self):
        store = self

        class _Tx:
            def __enter__(self):
                store.con.execute("BEGIN TRANSACTION")

            def __exit__(self, kind, *rest):
                store.con.execute("COMMIT" if kind is None else "ROLLBACK")
                return False

        return _Tx()

    def _row(self, table: str, record: BaseModel) -> list:
        model, flat = TABLES[table]
        row = {c: _value(getattr(record, c), t) for c, t in table_columns(model).items()}
        row.update({c: fn(record) for c, (_, fn) in flat.items()})
        return [row[c] for c in self.columns[table]]

    def _insert(self, table: str, rows: list[list]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in self.columns[table])
        marks = ", ".join("?" for _ in self.columns[table])
        self.con.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def replace_clusters(self, ontology: str, clusters: list[EventCluster]) -> None:
        """Swap one ontology's clusters for a fresh set and point its events at them, atomically."""
        mapping = [(event_id, c.id) for c in clusters for event_id in c.event_ids]
        with self.transaction():
            self.con.execute("DELETE FROM clusters WHERE ontology = ?", [ontology])
            self._insert("clusters", [self._row("clusters", c) for c in clusters])
            self.con.execute("CREATE OR REPLACE TEMP TABLE cluster_map (event_id VARCHAR, cluster_id VARCHAR)")
            if mapping:
                self.con.executemany("INSERT INTO cluster_map VALUES (?, ?)", mapping)
            self.con.execute("UPDATE events SET cluster_id = cluster_map.cluster_id FROM cluster_map "
                             "WHERE events.id = cluster_map.event_id")
            self.con.execute("DROP TABLE cluster_map")

    # --- reads ------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in self.columns and table != "signatures":
            raise ValueError(table)
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        """Stored signatures in the order their articles were stored."""
        cursor = self.con.execute("SELECT article_id, minhash FROM signatures ORDER BY rowid")
        while rows := cursor.fetchmany(10_000):
            yield from rows

    def ontologies(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT ontology FROM events ORDER BY 1").fetchall()]

    def source_info(self) -> dict:
        """article id -> SourceInfo(outlet, outlets of its copies), for clustering."""
        from .clusters import SourceInfo

        info = {aid: SourceInfo(outlet) for aid, outlet in self.con.execute("SELECT id, outlet FROM articles").fetchall()}
        for aid, outlet in self.con.execute("SELECT article_id, outlet FROM copies ORDER BY id").fetchall():
            info.setdefault(aid, SourceInfo()).copies.append(outlet)
        return info

    def events(self, type: str | None = None, country: str | None = None, since: date | None = None,
               until: date | None = None, status: str | None = None, limit: int | None = None,
               ontology: str | None = None) -> list[Event]:
        where, params = _where(dict(type=type, country=country, since=since, until=until, status=status,
                                    ontology=ontology))
        sql = "SELECT * FROM events" + where
        sql += " ORDER BY date_start NULLS LAST, article_id, (evidence->>'start')::INT"
        return self._records("events", sql, params, limit)

    def clusters(self, type: str | None = None, country: str | None = None, since: date | None = None,
                 until: date | None = None, status: str | None = None, limit: int | None = None,
                 ontology: str | None = None) -> list[EventCluster]:
        where, params = _where(dict(type=type, country=country, since=since, until=until, status=status,
                                    ontology=ontology))
        sql = "SELECT * FROM clusters" + where + " ORDER BY date_start NULLS LAST, id"
        return self._records("clusters", sql, params, limit)

    def _records(self, table: str, sql: str, params: list, limit: int | None) -> list:
        if limit:
            sql += f" LIMIT {int(limit)}"
        model = TABLES[table][0]
        columns = self.columns[table]
        cursor = self.con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        model_fields = set(model.model_fields)
        out = []
        for row in cursor.fetchall():
            record = {}
            for name, value in zip(names, row):
                if name in model_fields:
                    record[name] = json.loads(value) if columns[name] == "JSON" and value is not None else value
            out.append(model.model_validate(record))
        return out

    def problems(self) -> list[IngestProblem]:
        return self._records("problems", "SELECT * FROM problems ORDER BY seen_at, source", [], None)

    def summary(self) -> list[tuple]:
        return self.con.execute(
            "SELECT type, count(*) AS events, count(DISTINCT article_id) AS articles, "
            "count(place_id) AS placed, sum(CASE WHEN date_source = 'text' THEN 1 ELSE 0 END) AS dated_in_text "
            "FROM events GROUP BY type ORDER BY events DESC, type"
        ).fetchall()


# --- exports -----------------------------------------------------------------------------------

FLAT_KEYS = ["id", "article_id", "ontology", "category", "type", "mode", "cameo"] + list(EVENT_COLUMNS) + [
    "negated", "future", "hypothetical", "confidence", "coder", "model_score", "coder_version"]


def flat_row(event: Event) -> dict:
    row = {k: getattr(event, k) for k in ("id", "article_id", "ontology", "category", "type", "mode", "cameo", "negated",
                                          "future", "hypothetical", "confidence", "coder", "model_score", "coder_version")}
    row.update({k: fn(event) for k, (_, fn) in EVENT_COLUMNS.items()})
    return {k: row[k] for k in FLAT_KEYS}


CLUSTER_KEYS = ["id", "ontology", "category", "type"] + list(CLUSTER_COLUMNS) + [
    "status", "article_count", "independent_outlets", "outlets", "event_ids", "sentence"]


def cluster_row(cluster: EventCluster) -> dict:
    row = {k: getattr(cluster, k) for k in ("id", "ontology", "category", "type", "article_count",
                                            "independent_outlets", "sentence")}
    row.update({k: fn(cluster) for k, (_, fn) in CLUSTER_COLUMNS.items()})
    row["status"] = cluster.status.value
    row["outlets"] = "; ".join(cluster.outlets)
    row["event_ids"] = " ".join(cluster.event_ids)
    return {k: row[k] for k in CLUSTER_KEYS}


def write_clusters(clusters: list[EventCluster], fmt: str, output: str | None = None) -> None:
    _write(clusters, fmt, output, cluster_row, CLUSTER_KEYS)


def write_events(events: list[Event], fmt: str, output: str | None = None) -> None:
    _write(events, fmt, output, flat_row, FLAT_KEYS)


def _write(records: list, fmt: str, output: str | None, flat, keys: list[str]) -> None:
    if fmt == "jsonl":
        fh = open(output, "w", encoding="utf-8") if output else sys.stdout
        for e in records:
            fh.write(e.model_dump_json() + "\n")
        if output:
            fh.close()
    elif fmt == "csv":
        fh = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        for e in records:
            writer.writerow(flat(e))
        if output:
            fh.close()
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not output:
            raise StoreError("parquet needs --output FILE")
        rows = [flat(e) for e in records]
        table = pa.Table.from_pylist(rows) if rows else pa.table({k: [] for k in keys})
        pq.write_table(table, output)
    else:
        raise StoreError(f"unknown format {fmt!r}: use table, jsonl, csv or parquet")
