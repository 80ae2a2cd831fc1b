"""Report: a self-contained HTML page of stored events, each with its evidence sentence (all text escaped)."""

from __future__ import annotations

from html import escape

from .model import Event

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:6px 8px;vertical-align:top;text-align:left}th{background:#f4f4f4}
mark{background:#ffe08a}.meta{color:#666;font-size:12px}.st-denied{color:#b00}.st-claimed{color:#a60}
.st-confirmed{color:#070}.st-rumoured{color:#777;font-style:italic}"""


def _actors(actors) -> str:
    return "<br>".join(f"{escape(a.name)} <span class=meta>{escape(a.country or '?')} {escape(a.sector or '?')}</span>"
                       for a in actors) or "–"


def _evidence(e: Event) -> str:
    sentence, trigger = e.evidence.sentence, e.evidence.trigger
    i = sentence.find(trigger)
    if i < 0:
        return escape(sentence)
    return escape(sentence[:i]) + "<mark>" + escape(trigger) + "</mark>" + escape(sentence[i + len(trigger):])


def render(events: list[Event], title: str = "dateline events") -> str:
    rows = []
    for e in events:
        date = f"{e.date.start}" + (f" – {e.date.end}" if e.date and e.date.end != e.date.start else "") if e.date else "–"
        date_meta = f"{e.date.precision.value}, from {e.date.source.value}" if e.date else ""
        place = (f"{escape(e.place.name)}<br><span class=meta>{escape(e.place.admin1 or '')} {escape(e.place.country or '')} "
                 f"· {escape(e.place.precision.value)} · GeoNames {escape(e.place.gazetteer_id or '')}</span>") if e.place else "–"
        flags = ", ".join(f for f, on in (("negated", e.negated), ("future", e.future), ("hypothetical", e.hypothetical)) if on)
        status = e.attribution.status.value
        source = escape(e.attribution.source_text or "")
        rows.append(
            f"<tr><td>{escape(date)}<br><span class=meta>{escape(date_meta)}</span></td>"
            f"<td><b>{escape(e.type)}</b><br><span class=meta>{escape(e.mode or '')} {escape(flags)}</span></td>"
            f"<td>{_actors(e.actors)}</td><td>{_actors(e.recipients)}</td><td>{place}</td>"
            f"<td class=st-{escape(status)}>{escape(status)}<br><span class=meta>{source}</span></td>"
            f"<td>{_evidence(e)}<br><span class=meta>{escape(e.attribution.outlet or '')} · article {escape(e.article_id)}"
            f" · chars {e.evidence.start}–{e.evidence.end}</span></td></tr>")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1><p class=meta>{len(events)} events</p>"
            "<table><tr><th>date</th><th>type</th><th>actor</th><th>recipient</th><th>place</th><th>attribution</th>"
            f"<th>evidence</th></tr>{''.join(rows)}</table></body></html>")
