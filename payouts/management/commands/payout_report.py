from dataclasses import asdict

from django.conf import settings
from django.core.management.base import CommandError

from payouts.exceptions import PayoutError
from payouts.exports import csv_lines, report_values
from payouts.management.json_output import PayoutCommand
from payouts.periods import period_bounds
from payouts.selectors import REPORT_COLUMNS, ReportRow, period_report_rows


class Command(PayoutCommand):
    help = (
        "The per-agent payout report for a period. --csv streams CSV to stdout; --json ends with one JSON object "
        "(the rows and totals, or with --csv just the totals)."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--csv", action="store_true", help="Stream CSV to stdout.")

    def run(self, **options):
        period = options["period"]
        period_bounds(period)
        totals = ReportRow(agent_id=None, agent_name="TOTAL", currency=settings.CURRENCY)
        if options["csv"]:
            count = 0

            def rows():
                nonlocal count
                for row in period_report_rows(period=period):
                    totals.add(row)
                    count += 1
                    yield report_values(period, row)
                yield report_values(period, totals)

            for line in csv_lines(REPORT_COLUMNS, rows()):
                self.stdout.write(line, ending="")
            return {"period": period, "rows": count, "totals": asdict(totals)}, ""
        rows = []
        for row in period_report_rows(period=period):
            totals.add(row)
            rows.append(row)
        data = {"period": period, "rows": [asdict(r) for r in rows], "totals": asdict(totals)}
        text = "\n".join(
            f"{r.agent_name:<24} {r.cases:>5} cases  net {r.net_minor:>10} {r.currency}  {r.status}"
            for r in [*rows, totals]
        )
        return data, text

    def handle(self, *args, **options) -> None:
        if options["csv"] and not options["json"]:
            try:
                self.run(**options)
            except PayoutError as exc:
                raise CommandError(str(exc)) from exc
            return
        super().handle(*args, **options)
