"""A small fake of the Stripe API over real HTTP, for the real `stripe` library to talk to.

It implements only what the payouts app uses — accounts, account links, transfers and
their reversals — returns Stripe-shaped JSON objects, records every request, and honours
`Idempotency-Key` the way Stripe does: the same key with the same parameters replays the
first response; with other parameters it is an `idempotency_error`.

Faults can be injected: lose the next response after doing the work (the client sees a
500 and retries with the same key), refuse the next transfer, or forget all keys (Stripe
keeps them for 24 hours).
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    stripe_version: str | None
    authorization: str | None


@dataclass
class FakeStripeState:
    accounts: dict[str, dict] = field(default_factory=dict)
    transfers: dict[str, dict] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, int, dict]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lose_responses: int = 0
    refuse_transfers: int = 0
    transfer_delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Form keys like `metadata[payout_id]` or `created[gte]` → nested dicts."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _error(status: int, message: str, type_: str = "invalid_request_error", code: str = "") -> tuple[int, dict]:
    return status, {"error": {"type": type_, "message": message, "code": code}}


class FakeStripe:
    API_KEY = "sk_test_fake_platform_key"

    def __init__(self) -> None:
        self.state = FakeStripeState()
        self._ids = itertools.count(1)
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripe":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for tests --------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.state.requests if r.method == method and r.path == path]

    def transfers(self) -> list[dict]:
        return list(self.state.transfers.values())

    def enable_account(self, account_id: str) -> dict:
        account = self.state.accounts[account_id]
        account.update(payouts_enabled=True, charges_enabled=True, details_submitted=True)
        account["capabilities"] = {"transfers": "active"}
        return account

    def add_account(self, *, enabled: bool = True) -> str:
        account_id = self.new_id("acct")
        self.state.accounts[account_id] = self._account_object(account_id, {"type": "express"})
        if enabled:
            self.enable_account(account_id)
        return account_id

    def lose_next_responses(self, count: int = 1) -> None:
        self.state.lose_responses = count

    def refuse_next_transfers(self, count: int = 1) -> None:
        self.state.refuse_transfers = count

    def forget_idempotency_keys(self) -> None:
        self.state.idempotency.clear()

    def reverse(self, transfer_id: str, amount: int | None = None) -> dict:
        transfer = self.state.transfers[transfer_id]
        transfer["amount_reversed"] += transfer["amount"] - transfer["amount_reversed"] if amount is None else amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        return transfer

    # --- the API --------------------------------------------------------------------

    def _account_object(self, account_id: str, params: dict) -> dict:
        # Custom test accounts with terms accepted and a bank account are enabled at once, as in test mode.
        prefilled = params.get("type") == "custom" and "tos_acceptance" in params and "external_account" in params
        return {
            "id": account_id,
            "object": "account",
            "type": params.get("type", "express"),
            "country": params.get("country", "SE"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "capabilities": {"transfers": "active" if prefilled else "inactive"},
            "charges_enabled": prefilled,
            "payouts_enabled": prefilled,
            "details_submitted": prefilled,
            "created": int(time.time()),
            "livemode": False,
        }

    def handle(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["v1"]:
            return _error(404, f"Unrecognized request URL ({method}: {path}).")
        parts = parts[1:]
        if method == "POST" and parts == ["accounts"]:
            account_id = self.new_id("acct")
            self.state.accounts[account_id] = self._account_object(account_id, params)
            return 200, self.state.accounts[account_id]
        if method == "GET" and len(parts) == 2 and parts[0] == "accounts":
            account = self.state.accounts.get(parts[1])
            return (200, account) if account else _error(404, f"No such account: '{parts[1]}'", code="resource_missing")
        if method == "POST" and parts == ["account_links"]:
            if params.get("account") not in self.state.accounts:
                return _error(400, "No such account", code="resource_missing")
            now = int(time.time())
            return 200, {
                "object": "account_link",
                "url": f"{self.url}/onboarding/{params['account']}",
                "created": now,
                "expires_at": now + 300,
            }
        if parts == ["transfers"] and method == "POST":
            return self._create_transfer(params)
        if parts == ["transfers"] and method == "GET":
            return self._list_transfers(params)
        if len(parts) == 2 and parts[0] == "transfers" and method == "GET":
            transfer = self.state.transfers.get(parts[1])
            return (200, transfer) if transfer else _error(404, "No such transfer", code="resource_missing")
        if len(parts) == 3 and parts[0] == "transfers" and parts[2] == "reversals" and method == "POST":
            transfer = self.state.transfers.get(parts[1])
            if transfer is None:
                return _error(404, "No such transfer", code="resource_missing")
            amount = int(params.get("amount", transfer["amount"] - transfer["amount_reversed"]))
            if transfer["amount_reversed"] + amount > transfer["amount"]:
                return _error(400, "Reversal exceeds the transfer", code="amount_too_large")
            self.reverse(transfer["id"], amount)
            reversal = {
                "id": self.new_id("trr"),
                "object": "transfer_reversal",
                "amount": amount,
                "currency": transfer["currency"],
                "transfer": transfer["id"],
                "created": int(time.time()),
            }
            transfer["reversals"]["data"].append(reversal)
            return 200, reversal
        return _error(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_transfer(self, params: dict) -> tuple[int, dict]:
        time.sleep(self.state.transfer_delay_seconds)
        if self.state.refuse_transfers > 0:
            self.state.refuse_transfers -= 1
            return _error(400, "Insufficient funds in the platform balance.", code="balance_insufficient")
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return _error(400, "Invalid integer: amount", code="parameter_invalid_integer")
        destination = params.get("destination")
        account = self.state.accounts.get(destination or "")
        if account is None:
            return _error(400, f"No such destination: '{destination}'", code="resource_missing")
        if account["capabilities"].get("transfers") != "active":
            return _error(
                400,
                "The destination account needs the transfers capability.",
                code="insufficient_capabilities_for_transfer",
            )
        transfer_id = self.new_id("tr")
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": params.get("currency", "eur"),
            "destination": destination,
            "transfer_group": params.get("transfer_group"),
            "metadata": params.get("metadata", {}),
            "reversed": False,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "created": int(time.time()),
            "livemode": False,
        }
        self.state.transfers[transfer_id] = transfer
        return 200, transfer

    def _list_transfers(self, params: dict) -> tuple[int, dict]:
        items = sorted(self.state.transfers.values(), key=lambda t: (t["created"], t["id"]), reverse=True)
        if "transfer_group" in params:
            items = [t for t in items if t["transfer_group"] == params["transfer_group"]]
        created = params.get("created") or {}
        if "gte" in created:
            items = [t for t in items if t["created"] >= int(created["gte"])]
        if "lt" in created:
            items = [t for t in items if t["created"] < int(created["lt"])]
        if "starting_after" in params:
            ids = [t["id"] for t in items]
            items = items[ids.index(params["starting_after"]) + 1 :] if params["starting_after"] in ids else []
        limit = int(params.get("limit", 10))
        return 200, {"object": "list", "url": "/v1/transfers", "has_more": len(items) > limit, "data": items[:limit]}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = _nest(parse_qsl(body if method == "POST" else url.query, keep_blank_values=True))
        key = self.headers.get("Idempotency-Key")
        fake = self.fake
        with fake.state.lock:
            fake.state.requests.append(
                RecordedRequest(
                    method=method,
                    path=url.path,
                    params=params,
                    idempotency_key=key,
                    stripe_version=self.headers.get("Stripe-Version"),
                    authorization=self.headers.get("Authorization"),
                )
            )
            if self.headers.get("Authorization") != f"Bearer {FakeStripe.API_KEY}":
                status, payload = _error(401, "Invalid API Key provided", type_="invalid_request_error")
                replayed = False
            elif method == "POST" and key and key in fake.state.idempotency:
                fingerprint, status, payload = fake.state.idempotency[key]
                replayed = True
                if fingerprint != json.dumps([url.path, params], sort_keys=True):
                    status, payload = _error(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters.",
                        type_="idempotency_error",
                    )
            else:
                status, payload = fake.handle(method, url.path, params)
                replayed = False
                if method == "POST" and key and status < 500:
                    fake.state.idempotency[key] = (json.dumps([url.path, params], sort_keys=True), status, payload)
            lose = method == "POST" and fake.state.lose_responses > 0 and not replayed
            if lose:
                fake.state.lose_responses -= 1
        if lose:
            # The work is done and remembered under the key, but the client never hears about it.
            status, payload = _error(500, "Simulated lost response.", type_="api_error")
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_fake{time.time_ns()}")
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


def sign_webhook(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event_payload(event_type: str, obj: dict, *, event_id: str | None = None, account: str | None = None) -> str:
    event = {
        "id": event_id or f"evt_fake{time.time_ns()}",
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }
    if account:
        event["account"] = account
    return json.dumps(event)
