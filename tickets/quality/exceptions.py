"""Errors a caller of the quality services can act on; each has a stable code and HTTP status."""

from tickets.exceptions import TicketError


class QualityError(TicketError):
    code = "quality_error"
    http_status = 400


class CsatNotAllowed(QualityError):
    """A conversation can be rated only once it is resolved, solved by the bot, or closed."""

    code = "csat_not_allowed"
    http_status = 409


class CsatAlreadyGiven(QualityError):
    """This conversation has already been rated."""

    code = "csat_already_given"
    http_status = 409


class InvalidScore(QualityError):
    """A score must be a whole number from 1 to 5."""

    code = "invalid_score"
    http_status = 400


class QaAlreadyReviewed(QualityError):
    """This QA review has already been completed."""

    code = "qa_already_reviewed"
    http_status = 409


class ForecastInputInvalid(QualityError):
    """The forecast parameters are out of range."""

    code = "forecast_input_invalid"
    http_status = 400
