"""The customer side of the chat as REST: the same features as the socket, for clients that poll.

Customers have no account: each endpoint except "start" takes the signed conversation
token in the X-Conversation-Token header. No session authentication runs here, so a
logged-in staff user's cookie grants nothing and there is nothing for CSRF to ride on;
a cross-site page cannot set the custom header without a CORS preflight we never allow.
"""

import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from tickets import protocol, selectors
from tickets.models import Conversation
from tickets.serializers import (
    BotFeedbackSerializer,
    ConversationStartedSerializer,
    ConversationStartSerializer,
    ConversationStatusSerializer,
    CsatRecordedSerializer,
    CsatSerializer,
    ErrorSerializer,
    MessageCreateSerializer,
    MessageListQuerySerializer,
    MessageListSerializer,
    MessageSerializer,
    ReadSerializer,
    TypingSerializer,
)
from tickets.services import bot, lifecycle
from tickets.services.messages import message_payload
from tickets.tokens import (
    InvalidCustomerToken,
    TokenForOtherConversation,
    customer_token_for,
    public_id_from_token,
)

TOKEN_HEADER = "X-Conversation-Token"
TAGS = ["customer chat"]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input"),
    401: OpenApiResponse(ErrorSerializer, description="Missing, forged or expired token"),
    403: OpenApiResponse(ErrorSerializer, description="The token is for another conversation"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the conversation's current state"),
    429: OpenApiResponse(ErrorSerializer, description="Too many messages"),
}


class ConversationTokenAuthentication(BaseAuthentication):
    """Reads the signed conversation token; request.auth becomes the conversation's public id."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, uuid.UUID] | None:
        token = request.headers.get(TOKEN_HEADER)
        if not token:
            return None
        return AnonymousUser(), public_id_from_token(token)

    def authenticate_header(self, request: Request) -> str:
        return "Conversation-Token"


class ConversationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.apis.ConversationTokenAuthentication"
    name = "conversationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}


class IsConversationCustomer(BasePermission):
    """The token names exactly the conversation in the URL."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not isinstance(request.auth, uuid.UUID):
            raise InvalidCustomerToken(f"Send the conversation token in the {TOKEN_HEADER} header.")
        if request.auth != view.kwargs.get("public_id"):
            raise TokenForOtherConversation()
        return True


class ConversationStartThrottle(AnonRateThrottle):
    scope = "conversation_start"
    rate = "30/minute"


def _status_body(conversation: Conversation) -> dict[str, Any]:
    frame = protocol.for_customer(protocol.status_frame(conversation=conversation))
    frame.pop("type")
    return {"public_id": conversation.public_id, **frame}


class ConversationStartApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ConversationStartThrottle]
    # JSON only: a cross-site HTML form cannot post it.
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        auth=[],
        summary="Start a conversation",
        request=ConversationStartSerializer,
        responses={201: ConversationStartedSerializer, 400: ERRORS[400]},
    )
    def post(self, request: Request) -> Response:
        serializer = ConversationStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = lifecycle.conversation_start(**serializer.validated_data)
        protocol.customer_seen_now(conversation_id=conversation.pk)
        body = {
            **_status_body(conversation),
            "token": customer_token_for(conversation=conversation),
            "websocket_path": f"/ws/chat/{conversation.public_id}/",
        }
        return Response(ConversationStartedSerializer(body).data, status=status.HTTP_201_CREATED)


class CustomerConversationApi(APIView):
    """Base for the endpoints of one conversation, reached with its token."""

    authentication_classes = [ConversationTokenAuthentication]
    permission_classes = [IsConversationCustomer]
    parser_classes = [JSONParser]
    actor = protocol.Actor.customer()

    def conversation(self) -> Conversation:
        conversation = selectors.conversation_by_public_id(public_id=self.kwargs["public_id"])
        if conversation is None:
            raise InvalidCustomerToken()
        # Polling counts as the customer still being there (see the abandonment job).
        protocol.customer_seen_now(conversation_id=conversation.pk)
        return conversation


class ConversationDetailApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Where the conversation stands: status, agent, queue position, estimated wait",
        responses={200: ConversationStatusSerializer, 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        return Response(ConversationStatusSerializer(_status_body(self.conversation())).data)


class MessagesApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Messages after a sequence number, oldest first",
        parameters=[MessageListQuerySerializer],
        responses={200: MessageListSerializer, 401: ERRORS[401], 403: ERRORS[403]},
    )
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        conversation = self.conversation()
        messages = selectors.messages_since(
            conversation=conversation, after_seq=query.validated_data["after_seq"], limit=query.validated_data["limit"]
        )
        body = {
            "messages": [message_payload(message) for message in messages],
            "last_seq": messages[-1].seq if messages else query.validated_data["after_seq"],
        }
        return Response(MessageListSerializer(body).data)

    @extend_schema(
        tags=TAGS,
        summary="Send a message (idempotent on client_msg_id: 201 when stored, 200 for a resend)",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message, created = protocol.send_message(
            actor=self.actor, conversation=self.conversation(), **serializer.validated_data
        )
        return Response(
            MessageSerializer(message_payload(message)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HumanApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Ask for a human: honoured at once from any state but closed",
        request=None,
        responses={200: ConversationStatusSerializer, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        conversation = bot.conversation_request_human(conversation=self.conversation())
        return Response(ConversationStatusSerializer(_status_body(conversation)).data)


class BotFeedbackApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary='Answer the bot\'s "did that solve it?"; no hands over to a human',
        request=BotFeedbackSerializer,
        responses={200: ConversationStatusSerializer, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        serializer = BotFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = bot.conversation_bot_feedback(
            conversation=self.conversation(), solved=serializer.validated_data["solved"]
        )
        return Response(ConversationStatusSerializer(_status_body(conversation)).data)


class CsatApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Rate the finished conversation (1–5 and a comment), once",
        request=CsatSerializer,
        responses={201: CsatRecordedSerializer, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        from tickets.quality.services import csat_record

        serializer = CsatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = csat_record(conversation=self.conversation(), **serializer.validated_data)
        return Response(CsatRecordedSerializer({"score": rating.score}).data, status=status.HTTP_201_CREATED)


class ReadApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Say which messages the customer has read (the agent sees a read receipt)",
        request=ReadSerializer,
        responses={204: None, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        protocol.mark_read(actor=self.actor, conversation=self.conversation(), seq=serializer.validated_data["seq"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TypingApi(CustomerConversationApi):
    @extend_schema(
        tags=TAGS,
        summary="Show or hide the customer's typing indicator to the agent",
        request=TypingSerializer,
        responses={204: None, **ERRORS},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        serializer = TypingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        protocol.set_typing(
            actor=self.actor, conversation=self.conversation(), is_typing=serializer.validated_data["is_typing"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
