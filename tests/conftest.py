"""Shared fixtures: the project's own example texts, written for these tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from dateline.ingest import article_from_text

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def make_article(body: str, published: str = "2021-03-11T09:00:00Z", outlet: str = "Test Wire"):
    return article_from_text(body, published_at=published, outlet=outlet, source_path="test")


@pytest.fixture
def article():
    return make_article


@pytest.fixture
def code():
    from dateline.pipeline import code

    def run(body: str, published: str = "2021-03-11T09:00:00Z", ontology: str = "plover"):
        return code(make_article(body, published), ontology)

    return run


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server on loopback for this test session (skipped, with the reason, where none can start)."""
    from pg_server import Unavailable, postgres_server

    try:
        server = postgres_server()
        url = server.__enter__()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL: {exc}")
    yield url
    server.__exit__(None, None, None)
