"""The customer chat page: open to anyone, phone-sized, with the elements the browser tests drive."""

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_chat_page_needs_no_account_and_has_every_control():
    response = Client().get("/chat/")
    assert response.status_code == 200
    html = response.content.decode()
    for element in [
        'id="start-form"',
        'id="chat-log"',
        'id="chat-input"',
        'id="chat-send"',
        'id="talk-to-human"',
        'id="queue-status"',
        'id="agent-name"',
        'id="typing"',
        'id="bot-yes"',
        'id="bot-no"',
        'id="csat"',
        'id="csat-submit"',
        'id="new-conversation"',
        'data-api="/api/conversations/"',
        "js/chat.js",
        'name="viewport"',
    ]:
        assert element in html, element
    assert 'maxlength="2000"' in html


def test_the_chat_page_only_answers_get():
    assert Client().post("/chat/").status_code == 405


def test_the_chat_script_is_served():
    from django.contrib.staticfiles import finders

    path = finders.find("js/chat.js")
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    assert "/ws/chat/" in source and "localStorage" in source and "client_msg_id" in source
