from payouts.management.json_output import PayoutCommand
from payouts.management.run_json import run_as_json, run_as_text
from payouts.services import payout_run_preview


class Command(PayoutCommand):
    help = "Create a payout run in preview for a period (YYYY-MM) and print its lines."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--all", action="store_true", help="Also list agents who are not paid, with the reason.")

    def run(self, **options):
        run = payout_run_preview(period=options["period"], actor=None)
        data = run_as_json(run, include_skipped=options["all"])
        return data, run_as_text(data)
