"""Which language a customer writes in: "en", "de", "sv", "fr", "es" or "unknown".

Lingua, restricted to the languages we serve, is loaded once per process (lazily, under
a lock) and answers in well under a millisecond for a chat message. Short or ambiguous
text ("ok", "refund", a card number) gives "unknown": a wrong guess would send the
customer a German answer to an English question, while "unknown" lets the caller keep
the conversation's language — `language_or(text, fallback)` does exactly that and is
what triage uses (the conversation starts as "en").
"""

import re
import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

UNKNOWN = "unknown"
SUPPORTED = {
    Language.ENGLISH: "en",
    Language.GERMAN: "de",
    Language.SWEDISH: "sv",
    Language.FRENCH: "fr",
    Language.SPANISH: "es",
}
# Below this many letters the detector is guessing.
MIN_LETTERS = 4
# The top language must be reasonably likely and clearly ahead of the runner-up.
MIN_CONFIDENCE = 0.4
MIN_MARGIN = 0.15

_NOT_WORDS_RE = re.compile(r"\[(?:card|iban|email|phone)[^\]]*\]|[\W\d_]+")
_detector: LanguageDetector | None = None
_lock = threading.Lock()


def detector() -> LanguageDetector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = LanguageDetectorBuilder.from_languages(*SUPPORTED).build()
    return _detector


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language among `SUPPORTED`, or "unknown" when unsure."""
    letters = _NOT_WORDS_RE.sub(" ", text or "").strip()
    if sum(ch.isalpha() for ch in letters) < MIN_LETTERS:
        return UNKNOWN
    values = detector().compute_language_confidence_values(letters)
    if not values:
        return UNKNOWN
    best = values[0]
    runner_up = values[1].value if len(values) > 1 else 0.0
    if best.value < MIN_CONFIDENCE or best.value - runner_up < MIN_MARGIN:
        return UNKNOWN
    return SUPPORTED[best.language]


def language_or(text: str, fallback: str) -> str:
    """The detected language, or `fallback` (e.g. the conversation's language) when unsure."""
    detected = detect_language(text)
    return fallback if detected == UNKNOWN else detected
