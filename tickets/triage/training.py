"""Build the intent model from the BANKING77 training split (`manage.py triage_build`).

1. Carve a stratified 15 % validation split out of train.csv (fixed seed). The official
   BANKING77 test split is not in the project and is never used.
2. Fit both experts on the remaining 85 %: TF-IDF + logistic regression, and logistic
   regression on MiniLM sentence embeddings (hyperparameters chosen on the split).
3. On the validation split: fit the temperature that calibrates the ensemble (least
   negative log-likelihood), choose the auto-answer threshold for ≥ 99 % precision, and
   record accuracy, macro-F1, coverage and precision in the artifact's metadata.

The model that ships is the one fitted on the 85 % — it is not refitted on train+val —
so the validation figures describe exactly the model in use and the tests can recompute
them. The validation rows are stored in the metadata for that purpose.
"""

import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

import joblib
import numpy as np
from django.utils import timezone
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion

from tickets.triage.classifier import (
    MODEL_CODE_VERSION,
    IntentClassifier,
    combine,
    model_dir,
    model_fingerprint,
    model_input,
    model_path,
    training_csv,
)
from tickets.triage.datasets import read_labelled_csv
from tickets.triage.encoder import MAX_TOKENS, SentenceEncoder
from tickets.triage.evaluation import TARGET_PRECISION, choose_threshold, evaluate
from tickets.triage.storage import exclusive, written_atomically

logger = logging.getLogger(__name__)

VALIDATION_SHARE = 0.15
VALIDATION_SEED = 0
TFIDF_C = 30.0
EMBEDDING_C = 30.0


def build(*, directory: Path | None = None, data_path: Path | None = None, force: bool = False) -> Path:
    """Path of the built artifact; trains and saves it first if it is missing (or `force`).

    A file lock makes concurrent first uses (several workers starting at once) build once;
    the artifact is written to a temporary file and renamed, so a reader never sees half.
    """
    directory = directory or model_dir()
    data_path = data_path or training_csv()
    directory.mkdir(parents=True, exist_ok=True)
    path = model_path(directory, data_path)
    if path.exists() and not force:
        return path
    with exclusive(directory / ".build.lock"):
        if path.exists() and not force:
            return path
        started = time.perf_counter()
        artifact = train(data_path=data_path, directory=directory)
        artifact["metadata"]["build_seconds"] = round(time.perf_counter() - started, 1)
        with written_atomically(path) as tmp:
            joblib.dump(artifact, tmp, compress=3)
        logger.info(
            "Built triage model %s in %.0f s: validation accuracy %.4f, coverage %.4f at threshold %.3f.",
            artifact["version"],
            artifact["metadata"]["build_seconds"],
            artifact["metadata"]["validation"]["accuracy"],
            artifact["metadata"]["validation"]["coverage"],
            artifact["threshold"],
        )
    return path


def train(*, directory: Path, data_path: Path | None = None) -> dict:
    """The artifact dict `IntentClassifier` loads; the encoder it needs is prepared in `directory`."""
    data_path = data_path or training_csv()
    texts, labels = read_labelled_csv(data_path)
    texts = [model_input(t) for t in texts]
    labels = np.asarray(labels)
    train_rows, val_rows = validation_split(labels)

    vectorizer = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )
    train_texts = [texts[i] for i in train_rows]
    val_texts = [texts[i] for i in val_rows]
    seconds: dict[str, float] = {}
    with _timed(seconds, "tfidf_fit"):
        tfidf_model = LogisticRegression(C=TFIDF_C, max_iter=2000).fit(
            vectorizer.fit_transform(train_texts), labels[train_rows]
        )
    with _timed(seconds, "embed"):
        embeddings = SentenceEncoder(directory=directory, threads=min(4, os.cpu_count() or 1)).encode(texts)
    with _timed(seconds, "embedding_fit"):
        emb_model = LogisticRegression(C=EMBEDDING_C, max_iter=2000).fit(embeddings[train_rows], labels[train_rows])
    if list(emb_model.classes_) != list(tfidf_model.classes_):
        raise RuntimeError("The two experts disagree on the intent list.")
    classes = tfidf_model.classes_

    tfidf_logits = tfidf_model.decision_function(vectorizer.transform(val_texts))
    emb_logits = emb_model.decision_function(embeddings[val_rows])
    truth = np.searchsorted(classes, labels[val_rows])
    temperature = fit_temperature(tfidf_logits, emb_logits, truth)
    probs = np.exp(combine(tfidf_logits, emb_logits, temperature))
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    threshold = choose_threshold(confidence, predicted == truth)
    validation = evaluate(
        truth=labels[val_rows],
        predicted=classes[predicted],
        confidence=confidence,
        threshold=threshold,
        level="intent",
    )
    fingerprint = model_fingerprint(data_path)
    return {
        "version": f"intent-v{MODEL_CODE_VERSION}-{fingerprint}",
        "classes": classes,
        "vectorizer": vectorizer,
        "tfidf_coef": tfidf_model.coef_,
        "tfidf_intercept": tfidf_model.intercept_,
        "emb_coef": emb_model.coef_.astype(np.float32),
        "emb_intercept": emb_model.intercept_.astype(np.float32),
        "temperature": temperature,
        "threshold": threshold,
        "metadata": {
            "built_at": timezone.now().isoformat(),
            "data": str(data_path.name),
            "train_rows": len(train_rows),
            "validation_rows": [int(i) for i in val_rows],
            "validation_share": VALIDATION_SHARE,
            "validation_seed": VALIDATION_SEED,
            "target_precision": TARGET_PRECISION,
            "max_tokens": MAX_TOKENS,
            "hyperparameters": {"tfidf_C": TFIDF_C, "embedding_C": EMBEDDING_C},
            "validation": validation.as_dict(),
            "seconds": seconds,
            "validation_by_expert": {
                "tfidf_accuracy": float((tfidf_logits.argmax(axis=1) == truth).mean()),
                "embedding_accuracy": float((emb_logits.argmax(axis=1) == truth).mean()),
            },
        },
    }


def validation_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows): stratified by intent, the same every build."""
    rows = np.arange(len(labels))
    train_rows, val_rows = train_test_split(
        rows, test_size=VALIDATION_SHARE, stratify=labels, random_state=VALIDATION_SEED
    )
    return np.sort(train_rows), np.sort(val_rows)


def fit_temperature(tfidf_logits: np.ndarray, emb_logits: np.ndarray, truth: np.ndarray) -> float:
    """Temperature that minimises the validation negative log-likelihood."""
    rows = np.arange(len(truth))

    def nll(temperature: float) -> float:
        return float(-combine(tfidf_logits, emb_logits, temperature)[rows, truth].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 5.0), method="bounded").x)


def validation_set(classifier: IntentClassifier) -> tuple[list[str], list[str]]:
    """(texts, labels) of the validation split recorded in `classifier`'s metadata."""
    texts, labels = read_labelled_csv(training_csv())
    rows = classifier.metadata["validation_rows"]
    return [texts[i] for i in rows], [labels[i] for i in rows]


@contextmanager
def _timed(seconds: dict[str, float], step: str):
    started = time.perf_counter()
    yield
    seconds[step] = round(time.perf_counter() - started, 1)
