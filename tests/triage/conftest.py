"""The triage tests use the real model: built once per test session (or found in TRIAGE_MODEL_DIR)."""

import pytest

from tickets.triage.classifier import IntentClassifier, get_classifier


@pytest.fixture(scope="session")
def classifier() -> IntentClassifier:
    """The process-wide classifier, exactly as the task uses it (built from scratch if missing)."""
    return get_classifier()
