"""Store: articles, events, copies, clusters and problems in DuckDB or PostgreSQL, tables derived from the model; idempotent writes."""

from __future__ import annotations

import json
import re
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


def is_postgres(db: str | Path) -> bool:
    return str(db).startswith(("postgresql://", "postgres://"))


def store_exists(db: str | Path) -> bool:
    """A PostgreSQL URL is taken to exist (connecting tells); a DuckDB file must be there."""
    return is_postgres(db) or Path(db).exists()


class _DuckDB:
    """DuckDB: the embedded default, one file."""

    name = "duckdb"
    types = {}
    insert_order = "rowid"  # signatures are read back in the order they were stored

    def __init__(self, path: str, read_only: bool, con=None):
        try:
            self.con = con or duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc

    def execute(self, sql: str, params=()):
        return self.con.execute(sql, list(params))

    def executemany(self, sql: str, rows):
        self.con.executemany(sql, rows)

    def placeholder(self, sql_type: str) -> str:
        return "?"

    def reader(self):
        return _DuckDB("", True, self.con.cursor())  # a cursor is DuckDB's handle for another thread

    def close(self):
        self.con.close()


class _Postgres:
    """PostgreSQL: the same tables on a shared server (`--db postgresql://user@host/db`)."""

    name = "postgresql"
    types = {"DOUBLE": "DOUBLE PRECISION", "JSON": "JSONB", "BLOB": "BYTEA"}
    insert_order = "seq"

    def __init__(self, url: str, read_only: bool):
        import psycopg

        self.url, self.read_only = url, read_only
        try:
            self.con = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"{_safe_url(url)}: cannot connect: {str(exc).strip()}") from exc
        if read_only:
            self.con.execute("SET default_transaction_read_only = on")

    @staticmethod
    def _sql(sql: str) -> str:
        # The store writes DuckDB's `?` placeholders; psycopg wants %s (and a literal % doubled).
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params=()):
        return self.con.execute(self._sql(sql), list(params))

    def executemany(self, sql: str, rows):
        with self.con.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    def placeholder(self, sql_type: str) -> str:
        return "?::jsonb" if sql_type == "JSON" else "?"

    def reader(self):
        return _Postgres(self.url, True)

    def close(self):
        self.con.close()


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


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


# Filters on one column: filter -> (column, normalisation of the value); equality, but min_sources is a lower bound
_EQUAL_FILTERS = {"type": ("type", str.upper), "mode": ("mode", str), "status": ("status", str.lower),
                  "precision": ("place_precision", str), "ontology": ("ontology", str),
                  "min_sources": ("independent_outlets", int)}


def _where(filters: dict, date_cols=("date_start", "date_end")) -> tuple[str, list]:
    """SQL conditions shared by event and cluster queries: every value is a bound parameter, never pasted in."""
    where, params = [], []
    for key, (column, normal) in _EQUAL_FILTERS.items():
        if filters.get(key):
            where.append(f"{column} {'>=' if key == 'min_sources' else '='} ?")
            params.append(normal(filters[key]))
    if filters.get("country"):
        where.append("(actor_country = ? OR recipient_country = ? OR place_country = ?)")
        params += [filters["country"].upper()] * 3
    if filters.get("actor"):
        where.append("(actor_name ILIKE ? ESCAPE '\\' OR recipient_name ILIKE ? ESCAPE '\\')")
        pattern = "%" + filters["actor"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern] * 2
    if filters.get("bbox"):
        west, south, east, north = filters["bbox"]
        where.append("lat BETWEEN ? AND ?")
        params += [south, north]
        if west <= east:
            where.append("lon BETWEEN ? AND ?")
        else:  # a box across the antimeridian
            where.append("(lon >= ? OR lon <= ?)")
        params += [west, east]
    if filters.get("since"):
        where.append(f"{date_cols[1]} >= ?")
        params.append(filters["since"])
    if filters.get("until"):
        where.append(f"{date_cols[0]} <= ?")
        params.append(filters["until"])
    return (" WHERE " + " AND ".join(where) if where else ""), params


NO_DATE = date(9999, 12, 31)  # undated clusters sort last
CLUSTER_ORDER = f"coalesce(date_start, DATE '{NO_DATE.isoformat()}')"  # with id: the order clusters are listed in

# Secondary indexes for the API's filters on a shared server; DuckDB scans columns fast enough without them.
PG_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS clusters_order ON clusters (({CLUSTER_ORDER}), id)",
    "CREATE INDEX IF NOT EXISTS clusters_type ON clusters (ontology, type)",
    "CREATE INDEX IF NOT EXISTS clusters_place ON clusters (lat, lon)",
    "CREATE INDEX IF NOT EXISTS events_cluster ON events (cluster_id)",
    "CREATE INDEX IF NOT EXISTS events_article ON events (article_id)",
    "CREATE INDEX IF NOT EXISTS copies_article ON copies (article_id)",
]


class Store:
    """The database, DuckDB (a file path) or PostgreSQL (a postgresql:// URL): same tables, same queries."""

    def __init__(self, path: str | Path = DEFAULT_DB, read_only: bool = False, _backend=None):
        self.path = str(path)
        self.db = _backend or (_Postgres(self.path, read_only) if is_postgres(self.path)
                               else _DuckDB(self.path, read_only))
        self.columns = {name: {**table_columns(model), **{k: t for k, (t, _) in flat.items()}}
                        for name, (model, flat) in TABLES.items()}
        if not read_only and _backend is None:
            self._create()

    def reader(self) -> "Store":
        """Another handle on the same database, for a second thread (the API serves requests in a pool)."""
        return Store(self.path, read_only=True, _backend=self.db.reader())

    def _type(self, sql_type: str) -> str:
        return self.db.types.get(sql_type, sql_type)

    def _create(self) -> None:
        def ddl(table: str, columns: dict[str, str]) -> str:
            cols = ", ".join(f'"{c}" {self._type(t)}' + (" PRIMARY KEY" if c == "id" else "")
                             for c, t in columns.items())
            return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"

        for table, columns in self.columns.items():
            self.db.execute(ddl(table, columns))
        # MinHash signatures of stored articles, so a later run recognises copies of them.
        seq = ", seq BIGSERIAL" if self.db.insert_order == "seq" else ""
        self.db.execute(f"CREATE TABLE IF NOT EXISTS signatures (article_id VARCHAR PRIMARY KEY, "
                        f"minhash {self._type('BLOB')}{seq})")
        # A database written by an older version lacks the newer fields: add them (NULL for old rows).
        for table, columns in self.columns.items():
            have = {r[0] for r in self.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema()", [table]).fetchall()}
            for name, sql_type in columns.items():
                if name not in have:
                    self.db.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {self._type(sql_type)}')
        if self.db.name == "postgresql":
            for index in PG_INDEXES:
                self.db.execute(index)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- writes -----------------------------------------------------------------------------

    def has_article(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is not None

    def article_source(self, article_id: str) -> tuple[str | None, str | None] | None:
        return self.db.execute("SELECT url, source_path FROM articles WHERE id = ?", [article_id]).fetchone()

    def add(self, article: Article, events: Iterable[Event], signature: bytes | None = None) -> bool:
        """Store an article, its events and its signature in one transaction; False if it was already stored."""
        if self.has_article(article.id):
            return False
        events = list(events)
        with self.transaction():
            self._insert("articles", [self._row("articles", article)])
            self._insert("events", [self._row("events", e) for e in events])
            if signature is not None:
                self.db.execute("INSERT INTO signatures (article_id, minhash) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                [article.id, signature])
        return True

    def add_copy(self, copy: ArticleCopy) -> bool:
        """Link a copy to the stored article it repeats; False if this copy was already linked."""
        if self.db.execute("SELECT 1 FROM copies WHERE id = ?", [copy.id]).fetchone():
            return False
        self._insert("copies", [self._row("copies", copy)])
        return True

    def add_problem(self, problem: IngestProblem) -> None:
        """Log a source that failed, once per source and reason (a rerun does not repeat the entry)."""
        self.db.execute(self._insert_sql("problems") + " ON CONFLICT DO NOTHING", self._row("problems", problem))

    def transaction(self):
        store = self

        class _Tx:
            def __enter__(self):
                store.db.execute("BEGIN TRANSACTION")

            def __exit__(self, kind, *rest):
                store.db.execute("COMMIT" if kind is None else "ROLLBACK")
                return False

        return _Tx()

    def _row(self, table: str, record: BaseModel) -> list:
        model, flat = TABLES[table]
        row = {c: _value(getattr(record, c), t) for c, t in table_columns(model).items()}
        row.update({c: fn(record) for c, (_, fn) in flat.items()})
        return [row[c] for c in self.columns[table]]

    def _insert_sql(self, table: str) -> str:
        names = ", ".join(f'"{c}"' for c in self.columns[table])
        marks = ", ".join(self.db.placeholder(t) for t in self.columns[table].values())
        return f"INSERT INTO {table} ({names}) VALUES ({marks})"

    def _insert(self, table: str, rows: list[list]) -> None:
        if rows:
            self.db.executemany(self._insert_sql(table), rows)

    def insert_many(self, table: str, records: list[BaseModel]) -> None:
        """Bulk-load records (benchmarks, migrations): DuckDB reads an Arrow table, PostgreSQL takes COPY."""
        rows = [self._row(table, r) for r in records]
        if not rows:
            return
        names = list(self.columns[table])
        quoted = ", ".join(f'"{c}"' for c in names)
        if self.db.name == "postgresql":
            with self.db.con.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            import pyarrow as pa

            self.db.con.register("bulk_rows", pa.table({c: [r[i] for r in rows] for i, c in enumerate(names)}))
            try:
                self.db.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM bulk_rows")
            finally:
                self.db.con.unregister("bulk_rows")

    def replace_clusters(self, ontology: str, clusters: list[EventCluster]) -> None:
        """Swap one ontology's clusters for a fresh set and point its events at them, atomically."""
        mapping = [(event_id, c.id) for c in clusters for event_id in c.event_ids]
        with self.transaction():
            self.db.execute("DELETE FROM clusters WHERE ontology = ?", [ontology])
            self._insert("clusters", [self._row("clusters", c) for c in clusters])
            self.db.execute("DROP TABLE IF EXISTS cluster_map")
            self.db.execute("CREATE TEMP TABLE cluster_map (event_id VARCHAR, cluster_id VARCHAR)")
            if mapping:
                self.db.executemany("INSERT INTO cluster_map VALUES (?, ?)", mapping)
            self.db.execute("UPDATE events SET cluster_id = cluster_map.cluster_id FROM cluster_map "
                            "WHERE events.id = cluster_map.event_id")
            self.db.execute("DROP TABLE cluster_map")

    # --- reads ------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in self.columns and table != "signatures":
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        """Stored signatures in the order their articles were stored."""
        cursor = self.db.execute(f"SELECT article_id, minhash FROM signatures ORDER BY {self.db.insert_order}")
        while rows := cursor.fetchmany(10_000):
            yield from ((aid, bytes(blob)) for aid, blob in rows)

    def ontologies(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT ontology FROM events ORDER BY 1").fetchall()]

    def source_info(self) -> dict:
        """article id -> SourceInfo(outlet, outlets of its copies), for clustering."""
        from .clusters import SourceInfo

        info = {aid: SourceInfo(outlet) for aid, outlet in self.db.execute("SELECT id, outlet FROM articles").fetchall()}
        for aid, outlet in self.db.execute("SELECT article_id, outlet FROM copies ORDER BY id").fetchall():
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
        sql = f"SELECT * FROM clusters{where} ORDER BY {CLUSTER_ORDER}, id"
        return self._records("clusters", sql, params, limit)

    def _records(self, table: str, sql: str, params: list, limit: int | None) -> list:
        if limit:
            sql += f" LIMIT {int(limit)}"
        model = TABLES[table][0]
        columns = self.columns[table]
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        model_fields = set(model.model_fields)
        out = []
        for row in cursor.fetchall():
            record = {}
            for name, value in zip(names, row):
                if name in model_fields:
                    # DuckDB hands JSON back as text, psycopg as Python values already
                    record[name] = json.loads(value) if columns[name] == "JSON" and isinstance(value, str) else value
            out.append(model.model_validate(record))
        return out

    def clusters_page(self, filters: dict, after: tuple[date, str] | None = None,
                      limit: int = 100) -> tuple[list[EventCluster], tuple[date, str] | None]:
        """One page of clusters in (date, id) order, from just after the `after` key; returns the page and the
        key to continue from (None on the last page). Keyset paging: a page costs the same at any depth."""
        where, params = _where(filters)
        if after is not None:
            where += (" AND " if where else " WHERE ") + f"({CLUSTER_ORDER}, id) > (?, ?)"
            params += list(after)
        sql = f"SELECT * FROM clusters{where} ORDER BY {CLUSTER_ORDER}, id"
        found = self._records("clusters", sql, params, int(limit) + 1)
        more = len(found) > limit
        found = found[:limit]
        key = ((found[-1].date.start if found[-1].date else NO_DATE), found[-1].id) if more else None
        return found, key

    def count_clusters(self, filters: dict) -> int:
        where, params = _where(filters)
        return self.db.execute("SELECT count(*) FROM clusters" + where, params).fetchone()[0]

    def cluster(self, cluster_id: str) -> EventCluster | None:
        found = self._records("clusters", "SELECT * FROM clusters WHERE id = ?", [cluster_id], None)
        return found[0] if found else None

    def events_of(self, cluster_id: str) -> list[Event]:
        return self._records("events", "SELECT * FROM events WHERE cluster_id = ? ORDER BY article_id, id",
                             [cluster_id], None)

    def article(self, article_id: str) -> Article | None:
        found = self._records("articles", "SELECT * FROM articles WHERE id = ?", [article_id], None)
        return found[0] if found else None

    def articles(self, article_ids: list[str]) -> dict[str, Article]:
        if not article_ids:
            return {}
        marks = ", ".join("?" for _ in article_ids)
        found = self._records("articles", f"SELECT * FROM articles WHERE id IN ({marks})", list(article_ids), None)
        return {a.id: a for a in found}

    def copies_of(self, article_ids: list[str]) -> list[ArticleCopy]:
        if not article_ids:
            return []
        marks = ", ".join("?" for _ in article_ids)
        return self._records("copies", f"SELECT * FROM copies WHERE article_id IN ({marks}) ORDER BY id",
                             list(article_ids), None)

    def article_events(self, article_id: str) -> list[Event]:
        return self._records("events", "SELECT * FROM events WHERE article_id = ? "
                             "ORDER BY (evidence->>'start')::INT, id", [article_id], None)

    def stats(self, filters: dict) -> dict:
        """Cluster counts by day, type, country, status and place precision, under the filters."""
        where, params = _where(filters)
        out = {"total": self.count_clusters(filters)}
        for key, column in (("by_day", "date_start"), ("by_type", "type"), ("by_country", "place_country"),
                            ("by_status", "status"), ("by_precision", "place_precision"),
                            ("by_ontology", "ontology")):
            rows = self.db.execute(f"SELECT {column}, count(*) FROM clusters{where} GROUP BY {column} "
                                   f"ORDER BY {column} NULLS LAST", params).fetchall()
            out[key] = [{"key": k.isoformat() if isinstance(k, date) else k, "count": n} for k, n in rows]
        return out

    def problems(self) -> list[IngestProblem]:
        return self._records("problems", "SELECT * FROM problems ORDER BY seen_at, source", [], None)

    def summary(self) -> list[tuple]:
        return self.db.execute(
            "SELECT type, count(*) AS events, count(DISTINCT article_id) AS articles, "
            "count(place_id) AS placed, sum(CASE WHEN date_source = 'text' THEN 1 ELSE 0 END) AS dated_in_text "
            "FROM events GROUP BY type ORDER BY events DESC, type"
        ).fetchall()
