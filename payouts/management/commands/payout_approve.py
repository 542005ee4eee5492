from django.contrib.auth import get_user_model

from payouts.exceptions import PayoutError
from payouts.management.json_output import PayoutCommand
from payouts.management.run_json import run_as_json, run_as_text
from payouts.services import payout_run_approve


class Command(PayoutCommand):
    help = "Approve a previewed payout run."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("run_id", type=int)
        parser.add_argument("--by", help="Username of the approver, recorded on the run.")

    def run(self, **options):
        approver = None
        if options["by"]:
            approver = get_user_model().objects.filter(username=options["by"]).first()
            if approver is None:
                raise PayoutError(f"No user {options['by']!r}.")
        run = payout_run_approve(run_id=options["run_id"], actor=approver)
        data = run_as_json(run)
        return data, run_as_text(data)
