"""The customer's credential: a signed token naming one conversation.

Customers have no account. Starting a conversation hands the browser a token signed
with SECRET_KEY (django.core.signing, its own salt) that carries the conversation's
public id; the chat socket and the customer REST endpoints accept nothing else.
"""

import uuid

from django.core import signing

from tickets.exceptions import TicketError
from tickets.models import Conversation

SALT = "tickets.customer-conversation"
# A conversation's life is a few days at most (REOPEN_WINDOW_HOURS, then closed); a month is generous.
MAX_AGE_SECONDS = 30 * 24 * 3600


class InvalidCustomerToken(TicketError):
    """The conversation token is missing, forged or expired."""

    code = "invalid_token"
    http_status = 401


class TokenForOtherConversation(TicketError):
    """This token belongs to another conversation."""

    code = "wrong_conversation"
    http_status = 403


def customer_token_for(*, conversation: Conversation) -> str:
    return signing.dumps({"c": str(conversation.public_id)}, salt=SALT)


def public_id_from_token(token: object) -> uuid.UUID:
    """The conversation a token was issued for; raises InvalidCustomerToken for anything else."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InvalidCustomerToken()
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        return uuid.UUID(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidCustomerToken() from exc


def conversation_for_token(*, token: object, public_id: uuid.UUID | str | None = None) -> Conversation:
    """The conversation behind a token, checked against the one the caller asked for.

    Raises InvalidCustomerToken (forged, expired, unknown conversation) or
    TokenForOtherConversation (a genuine token, but for someone else's conversation).
    """
    token_public_id = public_id_from_token(token)
    if public_id is not None and token_public_id != _as_uuid(public_id):
        raise TokenForOtherConversation()
    conversation = Conversation.objects.filter(public_id=token_public_id).first()
    if conversation is None:
        raise InvalidCustomerToken()
    return conversation


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None
