"""Errors a caller of the agents services can act on; each has a stable code and an HTTP status."""


class AgentError(Exception):
    code = "agent_error"
    http_status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__ or self.code)


class NotAnAgent(AgentError):
    """This account has no agent profile; apply first."""

    code = "not_an_agent"
    http_status = 403


class AgentNotApproved(AgentError):
    """Your application has not been approved yet."""

    code = "agent_not_approved"
    http_status = 403


class InputInvalid(AgentError):
    """Some fields are invalid; `errors` maps each field to its messages."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        field, messages = next(iter(errors.items()))
        super().__init__(f"{field}: {messages[0]}")


class ApplicationInvalid(InputInvalid):
    """The application is incomplete or invalid."""

    code = "application_invalid"


class ApplicationAlreadyDecided(AgentError):
    """This application has already been decided."""

    code = "application_already_decided"
    http_status = 409


class SlotInvalid(InputInvalid):
    """The shift slot is invalid."""

    code = "slot_invalid"


class SlotNotOpen(AgentError):
    """This shift has already ended."""

    code = "slot_not_open"
    http_status = 409


class SlotFull(AgentError):
    """Every seat in this shift is taken."""

    code = "slot_full"
    http_status = 409


class NotEligibleForSlot(AgentError):
    """This shift needs a language or skill you don't have."""

    code = "not_eligible_for_slot"
    http_status = 403


class ShiftOverlap(AgentError):
    """You already hold a shift that overlaps this one."""

    code = "shift_overlap"
    http_status = 409


class ClaimNotActive(AgentError):
    """This shift claim is no longer active."""

    code = "claim_not_active"
    http_status = 409


class NotYourShift(AgentError):
    """This shift claim is not yours."""

    code = "not_your_shift"
    http_status = 403


class NotOnShift(AgentError):
    """You can only go online during a shift you have claimed."""

    code = "not_on_shift"
    http_status = 409


class NotOnline(AgentError):
    """Go online first."""

    code = "not_online"
    http_status = 409


class OfferNotOpen(AgentError):
    """This offer has expired or was already answered."""

    code = "offer_not_open"
    http_status = 409


class NotYourOffer(AgentError):
    """This offer was made to someone else."""

    code = "not_your_offer"
    http_status = 403
