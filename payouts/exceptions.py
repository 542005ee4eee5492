"""Errors a caller of the payouts services can act on; each has a stable code and HTTP status."""


class PayoutError(Exception):
    code = "payout_error"
    http_status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__ or self.code)


class InvalidAmount(PayoutError):
    """Amounts are whole numbers of minor units (cents), within the allowed range."""

    code = "invalid_amount"


class InvalidPeriod(PayoutError):
    """A period is a month written YYYY-MM, not in the future."""

    code = "invalid_period"


class IllegalRunTransition(PayoutError):
    """This payout run cannot move to that state from where it is."""

    code = "illegal_run_transition"
    http_status = 409


class IllegalPayoutTransition(PayoutError):
    """This payout cannot move to that state from where it is."""

    code = "illegal_payout_transition"
    http_status = 409


class OpenRunExists(PayoutError):
    """Another payout run is still open; finish or cancel it first."""

    code = "open_run_exists"
    http_status = 409


class RateCardInvalid(PayoutError):
    """The rate card is not valid."""

    code = "rate_card_invalid"


class NoRateCard(PayoutError):
    """No rate card is in force yet."""

    code = "no_rate_card"
    http_status = 409


class NotYourEntry(PayoutError):
    """You can only dispute entries on your own statement."""

    code = "not_your_entry"
    http_status = 403


class DisputeAlreadyOpen(PayoutError):
    """This entry already has an open dispute."""

    code = "dispute_already_open"
    http_status = 409


class DisputeAlreadyDecided(PayoutError):
    """This dispute has already been decided."""

    code = "dispute_already_decided"
    http_status = 409


class NotAnAgent(PayoutError):
    """Only gig agents have a statement and a payout account."""

    code = "not_an_agent"
    http_status = 403


class ProviderError(PayoutError):
    """The payout provider refused or could not be reached."""

    code = "provider_error"
    http_status = 502


class WebhookRejected(PayoutError):
    """The webhook was not signed with our secret, or its signature is too old."""

    code = "webhook_rejected"


class ProviderDeclined(ProviderError):
    """The payout provider refused the request; nothing was sent."""

    code = "provider_declined"
    http_status = 422


class ProviderUnavailable(ProviderError):
    """The payout provider could not be reached or did not answer clearly; retry later."""

    code = "provider_unavailable"
    http_status = 503
