"""Errors a caller of the tickets services can act on; each has a stable code."""


class TicketError(Exception):
    code = "ticket_error"
    http_status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__ or self.code)


class IllegalTransition(TicketError):
    """This conversation cannot move to that state from where it is."""

    code = "illegal_transition"
    http_status = 409


class TicketAlreadyClaimed(TicketError):
    """Someone else took this ticket first."""

    code = "ticket_already_claimed"
    http_status = 409


class NoTicketAvailable(TicketError):
    """No ticket in the queue matches your languages, skills and free capacity."""

    code = "no_ticket_available"
    http_status = 404


class AgentAtCapacity(TicketError):
    """You already have as many live chats as you may."""

    code = "agent_at_capacity"
    http_status = 409


class NotYourTicket(TicketError):
    """This conversation is not assigned to you."""

    code = "not_your_ticket"
    http_status = 403


class MessageRejected(TicketError):
    """The message was refused."""

    code = "message_rejected"
