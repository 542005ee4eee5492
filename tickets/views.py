"""The customer chat page. It needs no account: the browser keeps the conversation's signed token."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agents.models import Language


@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tickets/chat.html",
        {"max_message_chars": settings.CHAT_MAX_MESSAGE_CHARS, "languages": Language.choices},
    )
