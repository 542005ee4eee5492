"""AI triage: decides whether the bot answers a customer's message or a person takes it.

Where things live (public API in brackets):

- `redaction.py`  masks card numbers, IBANs, e-mail addresses, phone numbers [`redact(text)`]
- `language.py`   en / de / sv / fr / es or "unknown" [`detect_language(text)`, `language_or(text, fallback)`]
- `signals.py`    request for a human, anger, distress, vulnerability, fraud cues [`detect_signals(text)`]
- `classifier.py` the intent model at run time, loaded once per process [`get_classifier().predict(text)`]
- `training.py`   building it from BANKING77 (`manage.py triage_build`); `encoder.py` the MiniLM encoder
- `evaluation.py` accuracy, macro-F1, threshold choice, coverage (`manage.py triage_eval FILE.csv --json`)
- `taxonomy.py`   the 77 intents → 7 categories, routine or not, priority (seeds `IntentPolicy`)
- `policy.py`     the rule table, a pure function [`decide(...)`]
- `summary.py`    the handover packet [`summary_for_conversation(conversation=...)`]
- `providers.py`  reply drafts and summaries, offline or an LLM endpoint [`get_provider().draft_reply(...)`]
- `services.py`   classify, decide, record, act [`triage_message(message=...)`]; `tasks.py` the `triage` task
- `models.py`     IntentPolicy, KnowledgeAnswer, TriageSettings, TriageDecision (edited in `admin.py`)
"""
