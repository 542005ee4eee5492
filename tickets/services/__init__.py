"""Every write to conversations lives here: `lifecycle` (the state machine),
`messages` (the chat transcript) and `claims` (the queue)."""
