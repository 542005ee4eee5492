from payouts.management.json_output import PayoutCommand
from payouts.management.run_json import run_as_json, run_as_text
from payouts.models import Payout
from payouts.services import payout_run_process, payout_run_start


class Command(PayoutCommand):
    help = "Execute (or resume) an approved payout run in this process, with a progress bar on stderr."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("run_id", type=int)
        parser.add_argument("--no-progress", action="store_true")

    def run(self, **options):
        run = payout_run_start(run_id=options["run_id"])
        bar = None
        if not options["no_progress"]:
            from tqdm import tqdm

            self.stderr.ending = ""  # the bar draws its own line endings
            bar = tqdm(total=run.total_count, initial=run.processed_count, unit="payout", file=self.stderr)

        def on_progress(payout: Payout) -> None:
            if bar is not None:
                run.refresh_from_db(fields=["processed_count"])
                bar.n = run.processed_count
                bar.refresh()

        try:
            run = payout_run_process(run_id=run.pk, on_progress=on_progress)
        finally:
            if bar is not None:
                bar.close()
        data = run_as_json(run)
        data["last_error"] = run.last_error or None
        return data, run_as_text(data) + (f"\n  paused: {run.last_error}" if run.last_error else "")
