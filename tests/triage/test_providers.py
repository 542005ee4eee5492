"""Draft providers: offline by default; an OpenAI-compatible endpoint when configured, falling back to the
offline provider on any error — tested against a real local HTTP server."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from tickets.triage.providers import OfflineProvider, OpenAICompatibleProvider, get_provider

pytestmark = pytest.mark.django_db

CONTEXT = {
    "language": "en",
    "intent": "card_arrival",
    "category": "cards",
    "customer_name": "Ada Lovelace",
    "handover_summary": {
        "request": "My card hasn't arrived.",
        "intent": "card_arrival",
        "category": "cards",
        "confidence": 0.42,
        "entities": {"amounts": [], "dates": ["2 weeks ago"], "merchants": [], "references": []},
        "bot_tried": [],
        "sentiment": "neutral",
    },
    "transcript": [{"sender": "customer", "body": "My card 4242 4242 4242 4242 hasn't arrived, ordered 2 weeks ago"}],
}


class FakeLLM(BaseHTTPRequestHandler):
    mode = "ok"
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        FakeLLM.received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(self.rfile.read(length))}
        )
        if FakeLLM.mode == "slow":
            time.sleep(2)
        status, body = {
            "ok": (200, {"choices": [{"message": {"role": "assistant", "content": " Hi Ada, let me check that. "}}]}),
            "error": (500, {"error": "boom"}),
            "no_choices": (200, {"id": "x"}),
            "empty": (200, {"choices": [{"message": {"content": ""}}]}),
            "slow": (200, {"choices": [{"message": {"content": "too late"}}]}),
        }.get(FakeLLM.mode, (200, None))
        payload = b"{not json" if FakeLLM.mode == "malformed" else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server():
    FakeLLM.mode = "ok"
    FakeLLM.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def provider_for(base_url: str, timeout: float = 2.0) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(base_url=base_url, api_key="test-key", model="tiny-model", timeout=timeout)


def test_the_offline_draft_uses_the_knowledge_base_answer_and_the_request():
    draft = OfflineProvider().draft_reply(conversation_context=CONTEXT)
    assert draft.startswith("Hi Ada,")
    assert "My card hasn't arrived." in draft
    assert "Cards usually arrive within 5–7 working days" in draft


def test_the_offline_draft_is_in_the_customers_language():
    draft = OfflineProvider().draft_reply(conversation_context={**CONTEXT, "language": "sv"})
    assert draft.startswith("Hej Ada,")
    assert "Kort kommer normalt inom 5–7 arbetsdagar" in draft


def test_the_offline_summary_reads_the_handover_packet():
    summary = OfflineProvider().summarise(conversation_context=CONTEXT)
    assert "Customer wants: My card hasn't arrived." in summary
    assert "card_arrival (cards, 42% confident)" in summary
    assert "Dates: 2 weeks ago" in summary


def test_the_llm_draft_is_used_when_the_endpoint_answers(llm_server):
    draft = provider_for(llm_server).draft_reply(conversation_context=CONTEXT)
    assert draft == "Hi Ada, let me check that."
    (request,) = FakeLLM.received
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer test-key"
    assert request["body"]["model"] == "tiny-model"
    sent = json.dumps(request["body"], ensure_ascii=False)
    assert "4242 4242" not in sent  # only redacted text leaves the building
    assert "[card ••••4242]" in sent


def test_the_llm_summary_is_used_when_the_endpoint_answers(llm_server):
    assert provider_for(llm_server).summarise(conversation_context=CONTEXT) == "Hi Ada, let me check that."


@pytest.mark.parametrize("mode", ["error", "malformed", "no_choices", "empty"])
def test_any_bad_answer_falls_back_to_the_offline_draft(llm_server, mode):
    FakeLLM.mode = mode
    offline = OfflineProvider().draft_reply(conversation_context=CONTEXT)
    assert provider_for(llm_server).draft_reply(conversation_context=CONTEXT) == offline
    assert len(FakeLLM.received) == 1


def test_a_slow_endpoint_times_out_and_falls_back(llm_server):
    FakeLLM.mode = "slow"
    started = time.perf_counter()
    draft = provider_for(llm_server, timeout=0.3).draft_reply(conversation_context=CONTEXT)
    assert time.perf_counter() - started < 1.5
    assert draft == OfflineProvider().draft_reply(conversation_context=CONTEXT)


def test_an_unreachable_endpoint_falls_back():
    provider = provider_for("http://127.0.0.1:9/v1", timeout=0.5)
    assert provider.summarise(conversation_context=CONTEXT) == OfflineProvider().summarise(conversation_context=CONTEXT)


def test_the_provider_is_chosen_by_settings(llm_server):
    with override_settings(LLM_BASE_URL="", LLM_MODEL=""):
        assert isinstance(get_provider(), OfflineProvider)
    with override_settings(LLM_BASE_URL=llm_server, LLM_MODEL="tiny-model", LLM_API_KEY="k", LLM_TIMEOUT_SECONDS=1):
        provider = get_provider()
        assert isinstance(provider, OpenAICompatibleProvider)
        assert provider.draft_reply(conversation_context=CONTEXT) == "Hi Ada, let me check that."
