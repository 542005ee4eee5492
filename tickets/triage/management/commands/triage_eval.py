"""Evaluate the triage model on a CSV: `python manage.py triage_eval PATH.csv [--json]`.

The CSV has `text,category` rows. `category` is either a BANKING77 intent
(`card_arrival`) or one of our seven category codes (`cards`, `security_fraud`, ...);
with category codes, a prediction counts as right when its intent maps to that category.
Prints accuracy, macro-F1, the configured auto-answer threshold, and the coverage and
precision at that threshold. With --json the last line is one JSON object.
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.triage.classifier import get_classifier
from tickets.triage.datasets import DatasetError, read_labelled_csv
from tickets.triage.evaluation import evaluate
from tickets.triage.selectors import auto_answer_threshold
from tickets.triage.taxonomy import CATEGORIES, INTENTS

BATCH = 256


class Command(BaseCommand):
    help = "Accuracy, macro-F1, threshold, coverage and precision of the triage model on a text,category CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="End with one JSON object on the last line."
        )

    def handle(self, *args, path: Path, as_json: bool = False, **options) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            texts, labels = read_labelled_csv(path)
        except (DatasetError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if not texts:
            raise CommandError(f"{path} has no labelled rows.")
        level = _label_level(labels)
        classifier = get_classifier()
        threshold = auto_answer_threshold(classifier=classifier)
        started = time.perf_counter()
        predictions = [p for i in range(0, len(texts), BATCH) for p in classifier.predict_many(texts[i : i + BATCH])]
        seconds = time.perf_counter() - started
        predicted = [p.intent if level == "intent" else p.category for p in predictions]
        result = evaluate(
            truth=labels,
            predicted=predicted,
            confidence=[p.confidence for p in predictions],
            threshold=threshold,
            level=level,
        )
        self.stdout.write(f"model {classifier.version}; {result.n} rows labelled by {level}; {seconds:.1f} s")
        self.stdout.write(f"accuracy   {result.accuracy:.4f}")
        self.stdout.write(f"macro-F1   {result.macro_f1:.4f}")
        self.stdout.write(f"threshold  {result.threshold:.4f}")
        self.stdout.write(f"coverage   {result.coverage:.4f}  (share the bot may answer)")
        self.stdout.write(f"precision  {result.precision:.4f}  (accuracy on those)")
        if as_json:
            figures = result.as_dict()
            self.stdout.write(
                json.dumps(
                    {key: figures[key] for key in ("accuracy", "macro_f1", "threshold", "coverage", "precision", "n")}
                )
            )


def _label_level(labels: list[str]) -> str:
    found = set(labels)
    if found <= set(INTENTS):
        return "intent"
    if found <= set(CATEGORIES):
        return "category"
    unknown = sorted(found - set(INTENTS) - set(CATEGORIES))[:5]
    raise CommandError(f"Unknown labels (neither BANKING77 intents nor category codes): {', '.join(unknown)}")
