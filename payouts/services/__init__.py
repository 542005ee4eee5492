"""Every write of the payouts app. Other apps call the hooks re-exported here."""

from payouts.services.accounts import (
    connected_account_apply_state,
    connected_account_ensure,
    connected_account_onboarding_link,
    connected_account_refresh,
    local_test_onboarding_complete,
)
from payouts.services.disputes import dispute_decide, dispute_open, dispute_suggested_adjustment
from payouts.services.earnings import (
    earning_handle_reopen,
    earning_quote,
    earning_record_csat_bonus,
    earning_record_resolution,
    ledger_adjustment_record,
)
from payouts.services.rate_cards import rate_card_create
from payouts.services.runs import (
    payout_record_reversal,
    payout_run_approve,
    payout_run_cancel,
    payout_run_execute_async,
    payout_run_finish,
    payout_run_preview,
    payout_run_process,
    payout_run_start,
)
from payouts.services.webhooks import stripe_webhook_receive

__all__ = [
    "connected_account_apply_state",
    "connected_account_ensure",
    "connected_account_onboarding_link",
    "connected_account_refresh",
    "dispute_decide",
    "dispute_open",
    "dispute_suggested_adjustment",
    "earning_handle_reopen",
    "earning_quote",
    "earning_record_csat_bonus",
    "earning_record_resolution",
    "ledger_adjustment_record",
    "local_test_onboarding_complete",
    "payout_record_reversal",
    "payout_run_approve",
    "payout_run_cancel",
    "payout_run_execute_async",
    "payout_run_finish",
    "payout_run_preview",
    "payout_run_process",
    "payout_run_start",
    "rate_card_create",
    "stripe_webhook_receive",
]
