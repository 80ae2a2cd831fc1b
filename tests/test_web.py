"""The map page in headless Chromium (Debian's, driven by Playwright): filters, timeline brushing, the event panel's
evidence, and untrusted article text kept as text."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from test_api import build

CHROMIUM = os.environ.get("DATELINE_CHROMIUM", "/usr/bin/chromium")
# As the machine's probe starts it: no sandbox (root in a container), and no background calls to the network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM} "
                                "(scripts/test.sh installs Debian's chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from dateline.api import create_app, vendor_missing

    if vendor_missing():
        pytest.skip(f"the page's front-end files are missing ({', '.join(vendor_missing())}): run scripts/bootstrap.sh")
    db = str(tmp_path_factory.mktemp("web") / "web.duckdb")
    build(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    settle(page)
    yield page
    context.close()
    assert not errors, errors


def settle(page) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def rows(page) -> list[list[str]]:
    return [[c.strip() for c in r] for r in page.eval_on_selector_all(
        "#events tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText))")]


def overlaps(cell: str, since: str, until: str) -> bool:
    """A row's dates (one day, or 'start – end') touch the range."""
    start, end = cell[:10], cell[-10:]
    return start <= until and end >= since


def test_filter_by_type_and_dates_then_open_an_event_and_find_its_evidence(page, server):
    everything = httpx.get(server + "/events", params={"limit": 1000}).json()["total"]
    assert len(rows(page)) == everything
    page.select_option("#f-type", "ASSAULT")
    settle(page)
    assert {r[1].split()[0] for r in rows(page)} == {"ASSAULT"}
    page.fill("#f-since", "2025-03-14")
    page.fill("#f-until", "2025-03-20")
    page.dispatch_event("#f-until", "change")
    settle(page)
    shown = rows(page)
    expected = httpx.get(server + "/events", params={"type": "ASSAULT", "since": "2025-03-14", "until": "2025-03-20",
                                                     "limit": 1000}).json()["events"]
    assert len(shown) == len(expected) >= 2
    assert all(overlaps(r[0], "2025-03-14", "2025-03-20") for r in shown)
    assert page.inner_text("#count").startswith(f"{len(expected)} events")

    chosen = max(expected, key=lambda e: e["article_count"])
    page.click(f"#events tr[data-id='{chosen['id']}']")
    page.wait_for_selector("#panel mark")
    detail = httpx.get(server + f"/events/{chosen['id']}").json()
    marks = [m.strip() for m in page.eval_on_selector_all("#panel mark", "ms => ms.map(m => m.textContent)")]
    assert marks == [m["evidence"]["sentence"].strip() for m in detail["mentions"]]
    panel = page.inner_text("#panel")
    assert f"Reports ({len(detail['mentions'])})" in panel and "independent outlets" in panel
    assert page.eval_on_selector(f"#events tr[data-id='{chosen['id']}']", "tr => tr.classList.contains('selected')")
    if chosen["place"] and chosen["place"]["lat"] is not None:
        page.wait_for_selector(".ev-marker.selected")
    shot = os.environ.get("DATELINE_SCREENSHOT")
    page.screenshot(path=shot or str(Path(os.environ.get("TMPDIR", "/tmp")) / "dateline-page.png"))


def test_brushing_the_timeline_filters_by_dates(page):
    before = len(rows(page))
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.55, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=5)
    page.mouse.up()
    settle(page)
    since, until = page.input_value("#f-since"), page.input_value("#f-until")
    assert since and until and since <= until
    after = rows(page)
    assert 0 < len(after) < before
    assert all(overlaps(r[0], since, until) for r in after)
    page.click("#timeline-clear")
    settle(page)
    assert len(rows(page)) == before and page.input_value("#f-since") == ""


def test_article_text_with_script_and_onerror_payloads_is_shown_as_text(page, server):
    hostile = [e for e in httpx.get(server + "/events", params={"limit": 1000}).json()["events"]
               if "<script>" in e["sentence"]]
    assert hostile, "the hostile fixture article gave no event"
    page.click(f"#events tr[data-id='{hostile[0]['id']}']")
    page.wait_for_selector("#panel mark")
    page.wait_for_timeout(300)  # give any injected handler the chance to run
    assert page.evaluate("window.__xss") is None
    assert page.eval_on_selector_all("#panel script, #panel img, #events script, #events img", "n => n.length") == 0
    assert page.eval_on_selector_all("a[href^='javascript']", "n => n.length") == 0
    panel = page.inner_text("#panel")
    assert "<script>window.__xss = 'script'</script>" in panel
    assert "<img src=x onerror=\"window.__xss = 'onerror'\">" in panel
    assert "Hostile <img src=x onerror=" in panel  # the outlet's name, as text
    assert "<script>" in page.inner_text("#panel mark")
