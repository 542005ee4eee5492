"""Build (or find) the triage intent model: `python manage.py triage_build [--force]`."""

import json

from django.core.management.base import BaseCommand

from tickets.triage.classifier import load_classifier, model_path
from tickets.triage.training import build


class Command(BaseCommand):
    help = "Train the triage intent model from the shipped BANKING77 training split and cache it (versioned)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Rebuild even if the versioned model exists.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the model's metadata as one JSON line."
        )

    def handle(self, *args, force: bool = False, as_json: bool = False, **options) -> None:
        existed = model_path().exists()
        path = build(force=force)
        metadata = load_classifier(path).metadata
        if as_json:
            self.stdout.write(json.dumps({k: v for k, v in metadata.items() if k != "validation_rows"}))
            return
        validation = metadata["validation"]
        verb = "Found" if existed and not force else "Built"
        self.stdout.write(f"{verb} {path}")
        self.stdout.write(
            f"validation split (n={validation['n']}): accuracy {validation['accuracy']:.4f}, "
            f"macro-F1 {validation['macro_f1']:.4f}; auto-answer threshold {validation['threshold']:.4f} "
            f"gives coverage {validation['coverage']:.4f} at precision {validation['precision']:.4f}"
        )
        if "build_seconds" in metadata:
            self.stdout.write(f"build time {metadata['build_seconds']} s {metadata.get('seconds', {})}")
