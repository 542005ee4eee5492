"""The model is built once, cached under a name that changes with the data and the code, loaded once per
process, and built on first use when missing."""

import csv
import threading
from collections import defaultdict

import pytest
from django.test import override_settings

from tickets.triage import classifier as classifier_module
from tickets.triage import training
from tickets.triage.classifier import TRAIN_CSV, get_classifier, model_path, reset_classifier


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    """Eight examples of every intent: enough to train quickly, different data from the shipped split."""
    per_intent = defaultdict(list)
    with TRAIN_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if len(per_intent[row["category"]]) < 8:
                per_intent[row["category"]].append(row)
    path = tmp_path_factory.mktemp("data") / "small.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "category"])
        writer.writeheader()
        for rows in per_intent.values():
            writer.writerows(rows)
    return path


def test_the_cached_name_changes_with_the_data(tmp_path, small_csv):
    assert model_path(tmp_path) != model_path(tmp_path, small_csv)
    assert model_path(tmp_path) == model_path(tmp_path)


def test_the_cached_name_changes_with_the_code_version(tmp_path, monkeypatch):
    before = model_path(tmp_path)
    monkeypatch.setattr(classifier_module, "MODEL_CODE_VERSION", "999")
    assert model_path(tmp_path) != before
    assert "-v999-" in model_path(tmp_path).name


def test_a_built_model_is_reused_not_retrained(tmp_path, small_csv, monkeypatch):
    path = training.build(directory=tmp_path, data_path=small_csv)
    assert path.exists()

    def no_training(**kwargs):
        raise AssertionError("retrained although the model was cached")

    monkeypatch.setattr(training, "train", no_training)
    assert training.build(directory=tmp_path, data_path=small_csv) == path
    assert [p.name for p in tmp_path.glob("*.joblib")] == [path.name]


def test_a_missing_model_is_built_on_first_use_and_loaded_once(tmp_path, small_csv, caplog):
    reset_classifier()
    try:
        with override_settings(TRIAGE_MODEL_DIR=tmp_path, TRIAGE_TRAINING_CSV=str(small_csv)):
            loaded = []
            threads = [threading.Thread(target=lambda: loaded.append(get_classifier())) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len({id(c) for c in loaded}) == 1  # one object for the whole process
            assert loaded[0].version.endswith(model_path(tmp_path, small_csv).stem.rsplit("-", 1)[1])
            assert "building it now" in caplog.text
            assert loaded[0].predict("where is my card?").intent in loaded[0].classes
    finally:
        reset_classifier()


def test_the_build_records_its_validation_figures(classifier):
    figures = classifier.metadata["validation"]
    assert set(figures) >= {"accuracy", "macro_f1", "threshold", "coverage", "precision", "n"}
    assert figures["threshold"] == classifier.threshold
    assert classifier.metadata["validation_seed"] == training.VALIDATION_SEED
