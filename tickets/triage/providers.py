"""Who drafts replies and summaries for agents: the offline provider, or an LLM over HTTP.

`get_provider()` returns `OpenAICompatibleProvider` when LLM_BASE_URL and LLM_MODEL are
set, else `OfflineProvider`. The HTTP provider sends only redacted text, has a timeout,
and falls back to the offline provider on any error (network, HTTP status, bad JSON,
empty answer), so an agent always gets a draft. Drafts are never sent by themselves:
the agent reviews, edits and sends.

`conversation_context` is a dict with `language`, `intent`, `category`, `customer_name`,
`handover_summary` (see `summary.py`) and `transcript` ([{"sender", "body"}], oldest first).
"""

import logging
from abc import ABC, abstractmethod
from typing import Any

import requests
from django.conf import settings

from tickets.triage.redaction import redact

logger = logging.getLogger(__name__)

_GREETING = {
    "en": "Hi {name}, thanks for waiting. I've read the whole conversation, so you don't need to repeat anything.",
    "de": "Hallo {name}, danke fürs Warten. Ich habe den ganzen Verlauf gelesen – Sie müssen nichts wiederholen.",
    "sv": "Hej {name}, tack för att du väntade. Jag har läst hela konversationen, så du behöver inte upprepa något.",
}
_NAMELESS = {"en": "there", "de": "", "sv": ""}
_ABOUT = {
    "en": "I understand you wrote: “{request}”",
    "de": "Sie haben geschrieben: „{request}“",
    "sv": "Du skrev: ”{request}”",
}
_CLOSING = {
    "en": "Is there anything else I can help you with?",
    "de": "Kann ich sonst noch etwas für Sie tun?",
    "sv": "Finns det något mer jag kan hjälpa dig med?",
}


class DraftProvider(ABC):
    """Drafts an agent's reply and summarises a conversation. Never sends anything."""

    name: str

    @abstractmethod
    def draft_reply(self, *, conversation_context: dict[str, Any]) -> str: ...

    @abstractmethod
    def summarise(self, *, conversation_context: dict[str, Any]) -> str: ...


class OfflineProvider(DraftProvider):
    """Templates plus the knowledge-base answer for the intent, in the customer's language."""

    name = "offline"

    def draft_reply(self, *, conversation_context: dict[str, Any]) -> str:
        language = _language(conversation_context)
        summary = conversation_context.get("handover_summary") or {}
        first_name = (conversation_context.get("customer_name") or "").split(" ")[0]
        greeting = _GREETING[language].format(name=first_name or _NAMELESS[language]).replace(" ,", ",")
        parts = [greeting]
        request = summary.get("request") if isinstance(summary, dict) else ""
        if request:
            parts.append(_ABOUT[language].format(request=request))
        answer = self._knowledge_answer(conversation_context, language)
        if answer:
            parts.append(answer)
        parts.append(_CLOSING[language])
        return "\n\n".join(parts)

    def summarise(self, *, conversation_context: dict[str, Any]) -> str:
        summary = conversation_context.get("handover_summary") or {}
        lines = []
        if summary.get("request"):
            lines.append(f"Customer wants: {summary['request']}")
        intent = summary.get("intent") or conversation_context.get("intent")
        if intent:
            category = summary.get("category") or conversation_context.get("category") or ""
            confidence = summary.get("confidence")
            sure = f", {confidence:.0%} confident" if isinstance(confidence, int | float) and confidence else ""
            lines.append(f"Intent: {intent} ({category}{sure})")
        for kind, found in (summary.get("entities") or {}).items():
            if found:
                lines.append(f"{kind.capitalize()}: {', '.join(map(str, found))}")
        if summary.get("bot_tried"):
            lines.append("The bot already answered: " + " / ".join(summary["bot_tried"]))
        if summary.get("sentiment") == "negative":
            lines.append("The customer is upset.")
        return "\n".join(lines) or "No summary available."

    @staticmethod
    def _knowledge_answer(conversation_context: dict[str, Any], language: str) -> str:
        from tickets.triage.selectors import knowledge_answer_for

        summary = conversation_context.get("handover_summary") or {}
        intent = conversation_context.get("intent") or (summary.get("intent") if isinstance(summary, dict) else "")
        if not intent:
            return ""
        answer = knowledge_answer_for(intent=intent, language=language)
        return answer.body if answer else ""


class ProviderError(Exception):
    """The LLM endpoint failed or answered with something unusable."""


class OpenAICompatibleProvider(DraftProvider):
    """POST {base_url}/chat/completions (OpenAI's format); the offline provider on any failure."""

    name = "openai_compatible"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float,
        fallback: DraftProvider | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.fallback = fallback or OfflineProvider()

    def draft_reply(self, *, conversation_context: dict[str, Any]) -> str:
        language = _language(conversation_context)
        instructions = (
            "You help a customer-service agent at a payments company. Draft the agent's next reply to the "
            f"customer, in the language with ISO code '{language}', in at most 120 words, polite and concrete. "
            "Never invent account facts, amounts or dates; if something must be checked, say the agent will check. "
            "The customer must not have to repeat themselves. Reply with the message text only."
        )
        try:
            return self._complete(instructions, _context_text(conversation_context))
        except ProviderError as exc:
            logger.warning("LLM draft failed (%s); using the offline draft.", exc)
            return self.fallback.draft_reply(conversation_context=conversation_context)

    def summarise(self, *, conversation_context: dict[str, Any]) -> str:
        instructions = (
            "Summarise this customer-service conversation for the agent taking it over: what the customer wants "
            "(one or two sentences), the amounts, dates, merchants and reference numbers mentioned, and what the "
            "bot already answered. Plain text, at most 80 words."
        )
        try:
            return self._complete(instructions, _context_text(conversation_context))
        except ProviderError as exc:
            logger.warning("LLM summary failed (%s); using the offline summary.", exc)
            return self.fallback.summarise(conversation_context=conversation_context)

    def _complete(self, instructions: str, content: str) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        payload = {
            "model": self.model,
            "messages": [{"role": "system", "content": instructions}, {"role": "user", "content": content}],
            "temperature": 0.2,
            "max_tokens": 400,
        }
        try:
            response = requests.post(self.url, json=payload, headers=headers, timeout=self.timeout)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(text, str) or not text.strip():
            raise ProviderError("empty answer")
        return text.strip()


def get_provider() -> DraftProvider:
    """The configured provider: the LLM endpoint when LLM_BASE_URL and LLM_MODEL are set, else offline."""
    if settings.LLM_BASE_URL and settings.LLM_MODEL:
        return OpenAICompatibleProvider(
            base_url=settings.LLM_BASE_URL,
            api_key=settings.LLM_API_KEY,
            model=settings.LLM_MODEL,
            timeout=float(settings.LLM_TIMEOUT_SECONDS),
        )
    return OfflineProvider()


def _language(conversation_context: dict[str, Any]) -> str:
    language = conversation_context.get("language") or "en"
    return language if language in _GREETING else "en"


def _context_text(conversation_context: dict[str, Any]) -> str:
    """What the LLM sees: the summary and the transcript, redacted once more to be sure."""
    summary = OfflineProvider().summarise(conversation_context=conversation_context)
    transcript = "\n".join(
        f"{turn.get('sender', '?')}: {turn.get('body', '')}" for turn in conversation_context.get("transcript") or []
    )
    return redact(f"Summary:\n{summary}\n\nTranscript:\n{transcript}")
