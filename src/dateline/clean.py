"""Clean: separate an article's main text from its header, reader prompts, copyright and related blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .resources import load_yaml

# A body paragraph is prose: enough words, and it ends like a sentence.
_BODY_MIN_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?\"'”’)\]]\s*$")


@dataclass
class CleanResult:
    text: str
    title: str | None = None
    header: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _rules():
    data = load_yaml("lexicons/boilerplate.yaml")
    return (
        [re.compile(p, re.I) for p in data["drop_paragraph"]],
        [re.compile(p, re.I) for p in data["drop_tail_from"]],
        re.compile(data["dateline_prefix"], re.I),
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; a single newline is folded only where prose was hard-wrapped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    paragraphs: list[str | None] = []
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        for line in lines:
            if paragraphs and paragraphs[-1] is not None and _continues(paragraphs[-1], line):
                paragraphs[-1] += " " + line
            else:
                paragraphs.append(line)
        paragraphs.append(None)  # a blank line always ends a paragraph
    paragraphs = [p for p in paragraphs if p]
    return [re.sub(r"[ \t\u00a0]+", " ", p).strip() for p in paragraphs]


def _continues(previous: str, line: str) -> bool:
    # Header blocks put one item per line (title, dek, dateline); wrapped prose has long lines
    # that stop mid-sentence, or a next line that starts in lower case.
    return line[:1].islower() or (len(previous) >= 60 and not _SENTENCE_END.search(previous))


def is_body_paragraph(paragraph: str) -> bool:
    # A teaser question ("Is it the end game for ...?") is a dek, not the start of the story.
    return (
        len(paragraph.split()) >= _BODY_MIN_WORDS
        and bool(_SENTENCE_END.search(paragraph))
        and not paragraph.rstrip().endswith("?")
    )


def is_dateline(paragraph: str) -> bool:
    return bool(_rules()[2].match(paragraph)) and len(paragraph.split()) <= 12


def clean_text(text: str, title: str | None = None) -> CleanResult:
    """Return the main text: body paragraphs without header lines, repeated lines and boilerplate."""
    drop_patterns, tail_patterns, _ = _rules()
    paragraphs = split_paragraphs(text)
    result = CleanResult(text="", title=title)

    # Header: everything before the first prose paragraph (title, dek, dateline, repeated headlines).
    first_body = next((i for i, p in enumerate(paragraphs) if is_body_paragraph(p)), 0)
    result.header = paragraphs[:first_body]
    if result.title is None:
        result.title = next((p for p in result.header if not is_dateline(p)), None)
    result.removed.extend(result.header)

    kept: list[str] = []
    seen: set[str] = {_norm(p) for p in result.header}
    for paragraph in paragraphs[first_body:]:
        if any(p.search(paragraph) for p in tail_patterns):
            index = paragraphs.index(paragraph, first_body)
            result.removed.extend(paragraphs[index:])
            break
        key = _norm(paragraph)
        if key in seen or any(p.search(paragraph) for p in drop_patterns) or is_dateline(paragraph):
            result.removed.append(paragraph)
            continue
        seen.add(key)
        kept.append(paragraph)
    result.text = "\n\n".join(kept)
    return result


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.lower()).strip()
