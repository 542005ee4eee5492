"""The intent classifier at run time: loaded once per process, predicts in a few ms.

The model is an ensemble of two experts trained on BANKING77 (see `training.py`):

1. TF-IDF word 1–2-grams + character 2–5-grams → multinomial logistic regression;
2. all-MiniLM-L6-v2 sentence embeddings (int8 ONNX) → multinomial logistic regression.

Their log-probabilities are averaged (a geometric mean of the two distributions) and
divided by a temperature fitted on the validation split, so `confidence` is calibrated:
among answers with confidence 0.9, about 90 % are right.

The artifact lives in `settings.TRIAGE_MODEL_DIR` under a name that hashes the training
data, the training code version and the encoder, so a change to any of them builds a
new model instead of loading a stale one. `get_classifier()` loads it once per process
(building it first, with a log line, when it is missing).
"""

import hashlib
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import sklearn
from django.conf import settings
from scipy.special import log_softmax

from tickets.triage.encoder import SentenceEncoder, encoder_fingerprint
from tickets.triage.taxonomy import category_of

logger = logging.getLogger(__name__)

# Bump when training.py changes in a way that changes the model.
MODEL_CODE_VERSION = "1"
DATA_DIR = Path(__file__).resolve().parent / "data" / "banking77"
TRAIN_CSV = DATA_DIR / "train.csv"
TOP_K = 3

# Redaction tokens read as the words a customer would have used.
_TOKEN_WORDS = (
    (re.compile(r"\[card [^\]]*\]"), "card number"),
    (re.compile(r"\[iban [^\]]*\]"), "account number"),
    (re.compile(r"\[email\]"), "email address"),
    (re.compile(r"\[phone\]"), "phone number"),
)


def model_input(text: str) -> str:
    """What the model reads: the redacted message with mask tokens turned back into words."""
    for pattern, words in _TOKEN_WORDS:
        if "[" not in text:
            break
        text = pattern.sub(words, text)
    return " ".join(text.split())


def training_csv() -> Path:
    """The labelled data the model is trained on: the shipped BANKING77 split unless TRIAGE_TRAINING_CSV is set."""
    configured = getattr(settings, "TRIAGE_TRAINING_CSV", None)
    return Path(configured) if configured else TRAIN_CSV


def model_fingerprint(data_path: Path | None = None) -> str:
    digest = hashlib.sha256()
    digest.update((data_path or training_csv()).read_bytes())
    digest.update(f"code={MODEL_CODE_VERSION};sklearn={sklearn.__version__};".encode())
    digest.update(encoder_fingerprint().encode())
    return digest.hexdigest()[:12]


def model_dir() -> Path:
    return Path(settings.TRIAGE_MODEL_DIR)


def model_path(directory: Path | None = None, data_path: Path | None = None) -> Path:
    return (directory or model_dir()) / f"triage-intent-v{MODEL_CODE_VERSION}-{model_fingerprint(data_path)}.joblib"


@dataclass(frozen=True)
class IntentScore:
    intent: str
    score: float

    def as_dict(self) -> dict:
        return {"intent": self.intent, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Prediction:
    intent: str
    category: str  # by the shipped taxonomy; routing uses the policy table, which ops may change
    confidence: float
    top_intents: tuple[IntentScore, ...]
    model_version: str
    scores: dict[str, float] = field(default_factory=dict, compare=False, repr=False)  # every intent


class IntentClassifier:
    """Wraps a built artifact (a dict, see `training.train`) and the sentence encoder."""

    def __init__(self, artifact: dict, *, directory: Path) -> None:
        self.version: str = artifact["version"]
        self.classes: np.ndarray = np.asarray(artifact["classes"])
        self._class_names = [str(c) for c in self.classes]
        self.vectorizer = artifact["vectorizer"]
        self.tfidf_coef = np.asarray(artifact["tfidf_coef"], dtype=np.float64)
        self.tfidf_intercept = np.asarray(artifact["tfidf_intercept"], dtype=np.float64)
        self.emb_coef = np.asarray(artifact["emb_coef"], dtype=np.float32)
        self.emb_intercept = np.asarray(artifact["emb_intercept"], dtype=np.float32)
        self.temperature: float = float(artifact["temperature"])
        self.threshold: float = float(artifact["threshold"])
        self.metadata: dict = artifact["metadata"]
        self.encoder = SentenceEncoder(directory=directory, threads=1)
        self._single_tfidf = _SingleTextTfidf(self.vectorizer, self.tfidf_coef)

    def log_scores(self, texts: list[str]) -> np.ndarray:
        """Calibrated log-probabilities, shape (len(texts), n_intents): many texts at once, for evaluation."""
        inputs = [model_input(t) for t in texts]
        tfidf_logits = np.asarray(self.vectorizer.transform(inputs) @ self.tfidf_coef.T) + self.tfidf_intercept
        emb_logits = self.encoder.encode(inputs) @ self.emb_coef.T + self.emb_intercept
        return combine(tfidf_logits, emb_logits.astype(np.float64), self.temperature)

    def predict(self, text: str) -> Prediction:
        """One message, on the fast path (no batching or sparse-matrix overhead)."""
        text = model_input(text)
        tfidf_logits = self._single_tfidf.logits(text) + self.tfidf_intercept
        emb_logits = (self.emb_coef @ self.encoder.encode_one(text) + self.emb_intercept).astype(np.float64)
        return self._prediction(combine(tfidf_logits[None, :], emb_logits[None, :], self.temperature)[0])

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        return [self._prediction(row) for row in self.log_scores(list(texts))]

    def _prediction(self, log_probs: np.ndarray) -> Prediction:
        probs = np.exp(log_probs)
        top = np.argsort(-probs)[:TOP_K]
        intent = str(self.classes[top[0]])
        return Prediction(
            intent=intent,
            category=category_of(intent),
            confidence=float(probs[top[0]]),
            top_intents=tuple(IntentScore(str(self.classes[i]), float(probs[i])) for i in top),
            model_version=self.version,
            scores=dict(zip(self._class_names, probs.tolist(), strict=True)),
        )


class _SingleTextTfidf:
    """TF-IDF logits for one text without scipy/sklearn overhead (same numbers as `transform`).

    For each part of the FeatureUnion: count the analyser's n-grams found in the vocabulary,
    apply 1 + log(tf) and the idf weights, L2-normalise, and dot with that part's coefficients.
    """

    def __init__(self, union, coef: np.ndarray) -> None:
        self.parts = []
        offset = 0
        coef_by_feature = np.ascontiguousarray(coef.T)  # (n_features, n_intents): rows gather fast
        for _name, vectorizer in union.transformer_list:
            if not (vectorizer.sublinear_tf and vectorizer.norm == "l2" and vectorizer.use_idf):
                raise ValueError("The fast TF-IDF path assumes sublinear tf, idf and L2 norm.")
            size = len(vectorizer.vocabulary_)
            self.parts.append(
                (
                    vectorizer.build_analyzer(),
                    vectorizer.vocabulary_,
                    vectorizer.idf_,
                    coef_by_feature[offset : offset + size],
                )
            )
            offset += size

    def logits(self, text: str) -> np.ndarray:
        total = np.zeros(self.parts[0][3].shape[1])
        for analyzer, vocabulary, idf, coef in self.parts:
            counts = Counter(index for index in map(vocabulary.get, analyzer(text)) if index is not None)
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[columns]
            weights /= np.linalg.norm(weights)
            total += weights @ coef[columns]
        return total


def combine(tfidf_logits: np.ndarray, emb_logits: np.ndarray, temperature: float) -> np.ndarray:
    """Mean of the experts' log-probabilities, tempered and renormalised (log space)."""
    mean = (log_softmax(tfidf_logits, axis=1) + log_softmax(emb_logits, axis=1)) / 2
    return log_softmax(mean / temperature, axis=1)


def load_classifier(path: Path) -> IntentClassifier:
    return IntentClassifier(joblib.load(path), directory=path.parent)


_classifier: IntentClassifier | None = None
_lock = threading.Lock()


def get_classifier() -> IntentClassifier:
    """The process-wide classifier; built on first use if the artifact is missing."""
    global _classifier
    if _classifier is None:
        with _lock:
            if _classifier is None:
                from tickets.triage.training import build

                path = model_path()
                if not path.exists():
                    logger.warning("Triage model %s is missing; building it now (about a minute).", path.name)
                _classifier = load_classifier(build())
                logger.info("Triage model %s loaded.", _classifier.version)
    return _classifier


def reset_classifier() -> None:
    """Forget the loaded classifier (tests that point TRIAGE_MODEL_DIR elsewhere)."""
    global _classifier
    with _lock:
        _classifier = None
