"""Shared by the payout commands: `--json` prints exactly one JSON object, on the last line."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payouts.exceptions import PayoutError


class PayoutCommand(BaseCommand):
    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object on the last line.")

    def handle(self, *args, **options) -> None:
        try:
            result, text = self.run(**options)
        except PayoutError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.code, "detail": str(exc)}))
                sys.exit(1)
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, default=str))
        elif text:
            self.stdout.write(text)

    def run(self, **options) -> tuple[dict[str, Any], str]:
        raise NotImplementedError
