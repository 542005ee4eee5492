"""Every write to conversations lives here: `lifecycle` (the state machine), `bot` (the bot's
answers and the handover to a person), `messages` (the chat transcript), `claims` (the queue)
and `timeouts` (the periodic jobs)."""
