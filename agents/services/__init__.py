"""Every write about agents: `onboarding` (apply, approve, reject), `shifts` (slots, claims,
cancels, no-shows, reliability), `presence` (online, heartbeat, sweep) and `dispatch`
(offer-based ticket dispatch). Claiming tickets lives in `tickets.services.claims`.

Lock order, everywhere: agent profile → presence → shift slot / shift claim → conversation →
ticket offer (see docs/operations.md).
"""
