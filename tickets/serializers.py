"""Shapes of the customer chat API: what it accepts and what it answers."""

from rest_framework import serializers

from agents.models import Language
from tickets.models import SenderKind, Status


class ConversationStartSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.EN)


class ConversationStatusSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    agent_name = serializers.CharField(allow_null=True, help_text="The agent's display name once one has joined.")
    queue_position = serializers.IntegerField(allow_null=True, help_text="1 = next in line; null when not waiting.")
    estimated_wait_seconds = serializers.IntegerField(
        allow_null=True, help_text="Estimated wait for an agent; null when no agent who could help is online."
    )
    agents_online = serializers.IntegerField(allow_null=True, help_text="Agents online who could take this chat.")
    awaiting_bot_feedback = serializers.BooleanField(help_text='The bot asked "did that solve it?".')
    can_rate = serializers.BooleanField(help_text="The conversation is over and not yet rated.")
    last_seq = serializers.IntegerField()


class ConversationStartedSerializer(ConversationStatusSerializer):
    token = serializers.CharField(help_text="Send it as X-Conversation-Token, and as ?token= on the chat socket.")
    websocket_path = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    sender = serializers.ChoiceField(choices=SenderKind.choices)
    sender_name = serializers.CharField()
    body = serializers.CharField()
    client_msg_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class MessageListSerializer(serializers.Serializer):
    messages = MessageSerializer(many=True)
    last_seq = serializers.IntegerField(help_text="The newest message's seq; ask again with after_seq=last_seq.")


class MessageListQuerySerializer(serializers.Serializer):
    after_seq = serializers.IntegerField(min_value=0, required=False, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=500, required=False, default=500)


class MessageCreateSerializer(serializers.Serializer):
    client_msg_id = serializers.CharField(max_length=64, help_text="Your id for this message; a resend is stored once.")
    # Length and emptiness are checked by the service, with the same error codes as the socket.
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class BotFeedbackSerializer(serializers.Serializer):
    solved = serializers.BooleanField()


class CsatSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CsatRecordedSerializer(serializers.Serializer):
    score = serializers.IntegerField()


class ReadSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0)


class TypingSerializer(serializers.Serializer):
    is_typing = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable code, e.g. invalid_token, rate_limited, message_too_long.")
    detail = serializers.CharField()
