"""Figures that say how good the intent model is, and the auto-answer threshold.

Used when the model is built (on the validation split), by `manage.py triage_eval` and
by the tests, so the three always compute the same thing.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import f1_score

TARGET_PRECISION = 0.99
# The precision of the few most confident answers is noise; judge it from this many on.
MIN_SUPPORT = 20


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    macro_f1: float
    threshold: float
    coverage: float
    precision: float
    n: int
    level: str  # "intent" or "category": what the labels were

    def as_dict(self) -> dict:
        return asdict(self)


def choose_threshold(
    confidence: Sequence[float], correct: Sequence[bool], *, target_precision: float = TARGET_PRECISION
) -> float:
    """The lowest confidence at which the bot may answer.

    Sort answers by confidence, highest first. The threshold is the confidence of the
    last answer before the running precision first drops below the target (after the
    first `MIN_SUPPORT` answers), so precision holds at that threshold *and at every
    higher one* — stricter than picking any single point that happens to reach it.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    below = np.flatnonzero(running < target_precision)
    below = below[below >= MIN_SUPPORT]
    keep = int(below[0]) if below.size else len(order)
    if keep == 0:
        return 1.0
    # Ties at the cut would let in answers ranked after the drop; step just above them.
    cut = confidence[order][keep - 1]
    if keep < len(order) and confidence[order][keep] == cut:
        cut = float(np.nextafter(cut, 2.0))
    return float(cut)


def coverage_and_precision(
    confidence: Sequence[float], correct: Sequence[bool], threshold: float
) -> tuple[float, float]:
    """Share of messages at or above `threshold`, and the accuracy among them (1.0 if none)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    answered = confidence >= threshold
    coverage = float(answered.mean()) if len(confidence) else 0.0
    precision = float(correct[answered].mean()) if answered.any() else 1.0
    return coverage, precision


def evaluate(
    *, truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float], threshold: float, level: str
) -> Evaluation:
    truth = list(truth)
    predicted = list(predicted)
    correct = np.array([t == p for t, p in zip(truth, predicted, strict=True)], dtype=bool)
    coverage, precision = coverage_and_precision(confidence, correct, threshold)
    return Evaluation(
        accuracy=float(correct.mean()) if len(correct) else 0.0,
        macro_f1=float(f1_score(truth, predicted, average="macro", zero_division=0)) if truth else 0.0,
        threshold=float(threshold),
        coverage=coverage,
        precision=precision,
        n=len(truth),
        level=level,
    )
