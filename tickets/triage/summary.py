"""The handover summary an agent reads before claiming, so the customer never repeats themselves.

    {"request": "My card hasn't arrived. I ordered it two weeks ago.",
     "intent": "card_arrival", "category": "cards", "confidence": 0.42, "language": "en",
     "entities": {"amounts": ["€12.50"], "dates": ["2 weeks ago"], "merchants": ["Zalando"],
                  "references": ["AB-12345"]},
     "bot_tried": ["Cards usually arrive within 5–7 working days …"],
     "sentiment": "negative" | "neutral", "signals": ["negative_sentiment"]}

Built only from stored (already redacted) messages and the stored triage decision.
"""

import re
from typing import Any

from tickets.models import Conversation, SenderKind
from tickets.triage.signals import SMALL_TALK_RE, detect_signals, sentences_of

REQUEST_MAX_CHARS = 280
BOT_TRIED_MAX_CHARS = 200
MAX_CUSTOMER_MESSAGES = 20

# --- entities ---------------------------------------------------------------------------

_CURRENCY_SYMBOLS = "€$£¥"
_CURRENCY_CODES = r"EUR|USD|GBP|SEK|NOK|DKK|CHF|PLN|CZK|HUF|JPY|AUD|CAD|euros?|dollars?|pounds?|kronor|kr"
_NUMBER = r"\d{1,3}(?:[,.' ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT_RE = re.compile(
    rf"(?:[{_CURRENCY_SYMBOLS}]\s?(?:{_NUMBER})|(?<![\w.,])(?:{_CURRENCY_CODES})\s?(?:{_NUMBER})(?![\d])"
    rf"|(?<![\w.,])(?:{_NUMBER})\s?(?:[{_CURRENCY_SYMBOLS}]|(?:{_CURRENCY_CODES})\b))",
    re.IGNORECASE,
)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|februar|märz|mai|juni|juli|oktober|dezember|"
    "januari|februari|mars|maj|augusti"
)
_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    "måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
)
_DATE_RE = re.compile(
    rf"""(?<![\w])(?:
        \d{{4}}-\d{{1,2}}-\d{{1,2}}                                   # 2024-03-15
      | \d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}                            # 15.03.2024, 15/03/24
      | \d{{1,2}}(?:st|nd|rd|th)?\.?\s(?:of\s)?(?:{_MONTHS})\.?(?:\s\d{{4}})?  # 15 March 2024, 15. März
      | (?:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?    # March 15, 2024
      | (?:last|this|next|on|since|letzten?|diesen|am|seit|i|förra|sedan|på)\s(?:{_WEEKDAYS})  # last Monday
      | \d+\s(?:days?|weeks?|months?|hours?|tage?n?|wochen?|monate?n?|stunden?|dagar|veckor|månader|timmar)\s
          (?:ago|her)                                                 # 2 weeks ago
      | (?:vor|för)\s\d+\s(?:tagen|wochen|monaten|stunden|dagar|veckor|månader|timmar)(?:\ssedan)?
      | yesterday|today|last\sweek|last\smonth|gestern|heute|vorgestern|letzte\swoche|letzten\smonat
      | igår|idag|i\sgår|i\sdag|förra\sveckan|förra\smånaden
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)

_MERCHANT_RE = re.compile(
    r"(?<![\w])(?:at|from|to|by|bei|hos|von|från|chez|en)\s+"
    r"((?:[A-ZÄÖÜÅ][\w&'.\-]*|[A-Z0-9]{2,}[\w&'.\-]*)(?:\s(?:[A-ZÄÖÜÅ][\w&'.\-]*|&)){0,2})"
)
_NOT_MERCHANTS = {
    "i",
    "my",
    "me",
    "the",
    "a",
    "an",
    "you",
    "your",
    "it",
    "mr",
    "mrs",
    "ms",
    "dr",
    "euro",
    "eur",
    "usd",
    "gbp",
    "sek",
    "atm",
    "pin",
    "iban",
    *_MONTHS.split("|"),
    *_WEEKDAYS.split("|"),
}

_REFERENCE_RE = re.compile(
    r"(?<!\w)(?:order|reference|ref|invoice|booking|transaction|tracking|case|ticket|bestell\w*|referenz|"
    r"rechnung\w*|auftrag\w*|sendung\w*|beställning\w*|referens|faktura|ärende)\b"
    r"\s*(?:no\.?|number|nr\.?|nummer|id|#|:)?\s*[:#]?\s*([A-Z0-9][A-Z0-9\-/]{3,})"
    r"|#([A-Z0-9][A-Z0-9\-]{3,})",
    re.IGNORECASE,
)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(item.split()) for item in items if item.strip()))


def extract_entities(text: str) -> dict[str, list[str]]:
    """Amounts with currency, dates, merchant names and order/reference numbers, as written."""
    amounts = [m.group().strip() for m in _AMOUNT_RE.finditer(text)]
    dates = [m.group().strip() for m in _DATE_RE.finditer(text)]
    merchants = []
    for match in _MERCHANT_RE.finditer(text):
        words = match.group(1).rstrip(".-'").split()
        while words and words[-1].lower() in _NOT_MERCHANTS:
            words.pop()
        if words and words[0].lower() not in _NOT_MERCHANTS and not words[0][0].isdigit():
            merchants.append(" ".join(words))
    references = [
        ref
        for m in _REFERENCE_RE.finditer(text)
        if (ref := (m.group(1) or m.group(2) or "").rstrip("-/")) and any(ch.isdigit() for ch in ref)
    ]
    return {
        "amounts": _unique(amounts),
        "dates": _unique(dates),
        "merchants": _unique(merchants),
        "references": _unique(references),
    }


# --- the request ------------------------------------------------------------------------------


def request_of(customer_texts: list[str]) -> str:
    """The customer's request in one or two sentences, from their latest substantive message."""
    for text in reversed(customer_texts):
        sentences = [s for s in sentences_of(text) if not SMALL_TALK_RE.match(s)]
        if sentences:
            request = " ".join(sentences[:2])
            if len(request) > REQUEST_MAX_CHARS:
                request = request[: REQUEST_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
            return request
    return ""


# --- the whole summary ------------------------------------------------------------------------


def build_summary(
    *,
    customer_texts: list[str],
    bot_texts: list[str],
    intent: str = "",
    category: str = "",
    confidence: float = 0.0,
    language: str = "",
) -> dict[str, Any]:
    """The handover summary from the conversation's texts and the triage result (no database)."""
    entities: dict[str, list[str]] = {"amounts": [], "dates": [], "merchants": [], "references": []}
    signals: list[str] = []
    negative = False
    for text in customer_texts:
        for kind, found in extract_entities(text).items():
            entities[kind] = _unique(entities[kind] + found)
        detected = detect_signals(text)
        negative = negative or detected.upset
        signals = list(dict.fromkeys(signals + detected.codes))
    return {
        "request": request_of(customer_texts),
        "intent": intent,
        "category": category,
        "confidence": round(float(confidence), 4),
        "language": language,
        "entities": entities,
        "bot_tried": [_shorten(text, BOT_TRIED_MAX_CHARS) for text in bot_texts],
        "sentiment": "negative" if negative else "neutral",
        "signals": signals,
    }


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summary_for_conversation(*, conversation: Conversation) -> dict[str, Any]:
    """The summary for a conversation being handed over: its messages and its latest triage decision."""
    from tickets.services.bot import BOT_GLAD, BOT_SOLVED_QUESTION
    from tickets.triage.models import TriageDecision

    rows = list(
        conversation.messages.filter(sender_kind__in=[SenderKind.CUSTOMER, SenderKind.BOT])
        .order_by("-seq")
        .values_list("sender_kind", "body")[: MAX_CUSTOMER_MESSAGES * 2]
    )[::-1]
    canned = {*BOT_SOLVED_QUESTION.values(), *BOT_GLAD.values()}
    customer_texts = [body for kind, body in rows if kind == SenderKind.CUSTOMER][-MAX_CUSTOMER_MESSAGES:]
    bot_texts = [body for kind, body in rows if kind == SenderKind.BOT and body not in canned]
    decision = TriageDecision.objects.filter(conversation=conversation).order_by("-created_at", "-id").first()
    if decision is not None:
        return build_summary(
            customer_texts=customer_texts,
            bot_texts=bot_texts,
            intent=decision.intent,
            category=decision.category,
            confidence=decision.confidence,
            language=decision.language,
        )
    return build_summary(
        customer_texts=customer_texts,
        bot_texts=bot_texts,
        intent=conversation.intent,
        category=conversation.category,
        language=conversation.language,
    )
