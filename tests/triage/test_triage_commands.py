"""`manage.py triage_eval PATH.csv [--json]` and `manage.py triage_build`."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tickets.triage import training
from tickets.triage.taxonomy import INTENTS
from tickets.triage.training import validation_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled_csv(tmp_path, classifier):
    texts, labels = validation_set(classifier)

    def write(rows=None, *, header=("text", "category")):
        path = tmp_path / "eval.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows if rows is not None else list(zip(texts[:200], labels[:200], strict=True)))
        return path

    return write


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_eval_prints_the_figures_and_ends_with_one_json_object(labelled_csv, classifier):
    output = run("triage_eval", str(labelled_csv()), "--json")
    figures = json.loads(output.strip().splitlines()[-1])
    assert set(figures) == {"accuracy", "macro_f1", "threshold", "coverage", "precision", "n"}
    assert figures["n"] == 200
    assert figures["threshold"] == pytest.approx(classifier.threshold)
    assert figures["accuracy"] > 0.85
    assert 0 < figures["coverage"] <= 1
    assert "accuracy" in output.splitlines()[1]


def test_eval_without_json_prints_readable_lines(labelled_csv):
    output = run("triage_eval", str(labelled_csv()))
    assert "macro-F1" in output
    assert not output.strip().splitlines()[-1].startswith("{")


def test_eval_accepts_our_seven_category_codes_as_labels(labelled_csv, classifier):
    texts, labels = validation_set(classifier)
    rows = [(t, INTENTS[label].category) for t, label in zip(texts[:200], labels[:200], strict=True)]
    figures = json.loads(run("triage_eval", str(labelled_csv(rows)), "--json").strip().splitlines()[-1])
    assert figures["accuracy"] > 0.9  # category is easier than intent


def test_eval_uses_the_threshold_ops_configured(labelled_csv):
    from tickets.triage.models import TriageSettings

    TriageSettings.objects.create(auto_answer_threshold=0.5)
    figures = json.loads(run("triage_eval", str(labelled_csv()), "--json").strip().splitlines()[-1])
    assert figures["threshold"] == 0.5


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([("hello", "not_an_intent")], ("text", "category"), "Unknown labels"),
        ([("hello", "card_arrival")], ("message", "label"), "text` and `category"),
        ([], ("text", "category"), "no labelled rows"),
    ],
)
def test_eval_refuses_a_bad_file_with_a_clear_error(labelled_csv, rows, header, message):
    with pytest.raises(CommandError, match=message):
        run("triage_eval", str(labelled_csv(rows, header=header)))


def test_eval_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("triage_eval", str(tmp_path / "nope.csv"))


def test_build_finds_the_cached_model_without_retraining(classifier, monkeypatch):
    def no_training(**kwargs):
        raise AssertionError("retrained although the model was cached")

    monkeypatch.setattr(training, "train", no_training)
    output = run("triage_build")
    assert output.startswith("Found ")
    assert "accuracy" in output
    metadata = json.loads(run("triage_build", "--json").strip())
    assert metadata["validation"]["accuracy"] == classifier.metadata["validation"]["accuracy"]
