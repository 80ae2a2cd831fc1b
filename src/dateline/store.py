"""Store: articles and events in a DuckDB file, tables derived from the model; idempotent writes; exports."""

from __future__ import annotations

import csv
import json
import sys
import types
import typing
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Iterable

import duckdb
from pydantic import BaseModel

from .model import Article, Event

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


class Store:
    def __init__(self, path: str | Path = DEFAULT_DB, read_only: bool = False):
        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self.article_columns = table_columns(Article)
        self.event_columns = {**table_columns(Event), **{k: t for k, (t, _) in EVENT_COLUMNS.items()}}
        if not read_only:
            self._create()

    def _create(self) -> None:
        def ddl(table: str, columns: dict[str, str]) -> str:
            cols = ", ".join(f'"{c}" {t}' + (" PRIMARY KEY" if c == "id" else "") for c, t in columns.items())
            return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"

        self.con.execute(ddl("articles", self.article_columns))
        self.con.execute(ddl("events", self.event_columns))
        # A database written by an older version lacks the newer fields: add them (NULL for old rows).
        for table, columns in (("articles", self.article_columns), ("events", self.event_columns)):
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

    def add(self, article: Article, events: Iterable[Event]) -> bool:
        """Store an article and its events in one transaction; False if the article was already stored."""
        if self.has_article(article.id):
            return False
        events = list(events)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._insert("articles", self.article_columns, [self._row(article, self.article_columns)])
            self._insert("events", self.event_columns, [self._event_row(e) for e in events])
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return True

    def _row(self, record: BaseModel, columns: dict[str, str]) -> list:
        return [_value(getattr(record, c), t) for c, t in columns.items()]

    def _event_row(self, event: Event) -> list:
        row = {c: _value(getattr(event, c), t) for c, t in table_columns(Event).items()}
        row.update({c: fn(event) for c, (_, fn) in EVENT_COLUMNS.items()})
        return [row[c] for c in self.event_columns]

    def _insert(self, table: str, columns: dict[str, str], rows: list[list]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.con.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    # --- reads ------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in ("articles", "events"):
            raise ValueError(table)
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def events(self, type: str | None = None, country: str | None = None, since: date | None = None,
               until: date | None = None, status: str | None = None, limit: int | None = None) -> list[Event]:
        where, params = [], []
        if type:
            where.append("type = ?")
            params.append(type.upper())
        if country:
            where.append("(actor_country = ? OR recipient_country = ? OR place_country = ?)")
            params += [country.upper()] * 3
        if since:
            where.append("date_end >= ?")
            params.append(since)
        if until:
            where.append("date_start <= ?")
            params.append(until)
        if status:
            where.append("status = ?")
            params.append(status.lower())
        sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY date_start NULLS LAST, article_id, (evidence->>'start')::INT"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cursor = self.con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        model_fields = set(Event.model_fields)
        out = []
        for row in cursor.fetchall():
            record = {}
            for name, value in zip(names, row):
                if name in model_fields:
                    record[name] = json.loads(value) if self.event_columns[name] == "JSON" and value is not None else value
            out.append(Event.model_validate(record))
        return out

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


def write_events(events: list[Event], fmt: str, output: str | None = None) -> None:
    if fmt == "jsonl":
        fh = open(output, "w", encoding="utf-8") if output else sys.stdout
        for e in events:
            fh.write(e.model_dump_json() + "\n")
        if output:
            fh.close()
    elif fmt == "csv":
        fh = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        writer = csv.DictWriter(fh, fieldnames=FLAT_KEYS)
        writer.writeheader()
        for e in events:
            writer.writerow(flat_row(e))
        if output:
            fh.close()
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not output:
            raise StoreError("parquet needs --output FILE")
        rows = [flat_row(e) for e in events]
        table = pa.Table.from_pylist(rows) if rows else pa.table({k: [] for k in FLAT_KEYS})
        pq.write_table(table, output)
    else:
        raise StoreError(f"unknown format {fmt!r}: use table, jsonl, csv or parquet")
