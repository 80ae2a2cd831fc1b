"""Access to the data files shipped inside the package (ontologies, lexicons, examples)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml


def data_path(relative: str) -> Path:
    return Path(str(resources.files("dateline") / "data" / relative))


def examples_dir() -> Path:
    return Path(str(resources.files("dateline") / "examples"))


@lru_cache(maxsize=None)
def load_yaml(relative: str):
    with open(data_path(relative), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def cache_dir() -> Path:
    """Where derived files (gazetteer index, trained classifiers) are kept; $DATELINE_CACHE overrides."""
    import os

    path = Path(os.environ.get("DATELINE_CACHE", Path.home() / ".cache" / "dateline"))
    path.mkdir(parents=True, exist_ok=True)
    return path
