"""Payout providers behind one interface: Stripe Connect, or the local test provider.

`payout_gateway()` picks Stripe when STRIPE_SECRET_KEY is set. Without keys the embedded
run uses `LocalTestGateway`, which says so in its name, its ids (`acct_local_…`,
`tr_local_…`) and on every page that shows it; it moves no money and never claims to be
Stripe. Both honour idempotency keys the same way: the same key returns the same transfer.
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from payouts.exceptions import ProviderDeclined, ProviderError, ProviderUnavailable
from payouts.models import ConnectedAccount, LocalTestTransfer, Provider

# Stripe's documented test-mode bank accounts, per country (used only for demo accounts with a test key).
TEST_IBANS = {
    "DE": "DE89370400440532013000",
    "SE": "SE3550000000054910000003",
    "FR": "FR1420041010050500013M02606",
    "ES": "ES0700120345030000067890",
    "NL": "NL39RABO0300065264",
}


@dataclass(frozen=True)
class AccountState:
    account_id: str
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class TransferRecord:
    transfer_id: str
    amount_minor: int
    currency: str  # upper case ISO code
    destination: str
    transfer_group: str
    amount_reversed_minor: int
    created: datetime


class PayoutGateway(Protocol):
    provider: str
    label: str

    def create_account(self, *, agent_id: int, email: str, country: str) -> AccountState: ...

    def onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str: ...

    def retrieve_account(self, *, account_id: str) -> AccountState: ...

    def create_transfer(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        transfer_group: str,
        metadata: dict[str, str],
    ) -> TransferRecord: ...

    def find_transfer(self, *, transfer_group: str) -> TransferRecord | None: ...

    def retrieve_transfer(self, *, transfer_id: str) -> TransferRecord: ...

    def list_transfers(self, *, created_from: datetime, created_until: datetime) -> Iterator[TransferRecord]: ...

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> TransferRecord: ...


def payout_gateway() -> PayoutGateway:
    """The configured provider: Stripe with keys, else the local test provider."""
    return StripeGateway() if settings.STRIPE_SECRET_KEY else LocalTestGateway()


def gateway_for(provider: str) -> PayoutGateway:
    if provider == Provider.STRIPE:
        if not settings.STRIPE_SECRET_KEY:
            raise ProviderUnavailable("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
        return StripeGateway()
    if provider == Provider.LOCAL_TEST:
        return LocalTestGateway()
    raise ProviderError(f"Unknown payout provider {provider!r}.")


def configured_provider() -> str:
    return Provider.STRIPE if settings.STRIPE_SECRET_KEY else Provider.LOCAL_TEST


def stripe_client() -> stripe.StripeClient:
    """The library's own client, pinned to our API version, with its network retries on.

    Its retries resend the same Idempotency-Key, so a retried transfer is the same transfer.
    STRIPE_API_BASE / STRIPE_CONNECT_BASE point it at another server (the tests' fake Stripe).
    """
    base_addresses: dict[str, str] = {}
    if settings.STRIPE_API_BASE:
        base_addresses["api"] = settings.STRIPE_API_BASE
    if settings.STRIPE_CONNECT_BASE:
        base_addresses["connect"] = settings.STRIPE_CONNECT_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,  # type: ignore[arg-type]
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        stripe_version=settings.STRIPE_API_VERSION,
    )


def _stripe_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Translate the library's errors into: declined (nothing happened) or unavailable (outcome unknown)."""
    try:
        return fn(*args, **kwargs)
    except (stripe.InvalidRequestError, stripe.CardError, stripe.PermissionError) as exc:
        raise ProviderDeclined(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        # Connection errors, 5xx after the library's retries, rate limits, idempotency conflicts,
        # bad keys: we cannot know whether anything happened, so the caller keeps the payout open.
        raise ProviderUnavailable(str(exc) or exc.__class__.__name__) from exc


def _plain(obj: Any) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _transfer_from_stripe(obj: Any) -> TransferRecord:
    obj = _plain(obj)
    return TransferRecord(
        transfer_id=obj["id"],
        amount_minor=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        destination=str(obj.get("destination") or ""),
        transfer_group=str(obj.get("transfer_group") or ""),
        amount_reversed_minor=int(obj.get("amount_reversed") or 0),
        created=datetime.fromtimestamp(int(obj["created"]), tz=UTC),
    )


def _account_from_stripe(obj: Any) -> AccountState:
    obj = _plain(obj)
    return AccountState(
        account_id=obj["id"],
        payouts_enabled=bool(obj.get("payouts_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
    )


class StripeGateway:
    provider = Provider.STRIPE
    label = "Stripe Connect"

    def __init__(self, client: stripe.StripeClient | None = None) -> None:
        self.client = client or stripe_client()

    def create_account(self, *, agent_id: int, email: str, country: str) -> AccountState:
        params: dict[str, Any] = {
            "type": "express",
            "country": country,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"agent_id": str(agent_id)},
        }
        if email:
            params["email"] = email
        account = _stripe_call(
            self.client.v1.accounts.create, params=params, options={"idempotency_key": f"connect-account-{agent_id}"}
        )
        return _account_from_stripe(account)

    def create_test_account(self, *, agent_id: int, email: str, country: str, name: str, address: str) -> AccountState:
        """For demos with a test-mode key: a connected account pre-filled with Stripe's documented test data.

        Express accounts need a person to click through onboarding; a test-mode account with the
        magic test values (date of birth 1901-01-01, `address_full_match`, a test IBAN) is
        enabled at once, so a demo payout run can pay it. Refused with a live key.
        """
        if not settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")):
            raise ProviderDeclined("Demo accounts are only created with a test-mode key.")
        first, _, last = (name or "Demo Agent").partition(" ")
        country = country.upper() if country.upper() in TEST_IBANS else "DE"
        account = _stripe_call(
            self.client.v1.accounts.create,
            params={
                "type": "custom",
                "country": country,
                "email": email or f"agent{agent_id}@example.com",
                "business_type": "individual",
                "capabilities": {"transfers": {"requested": True}},
                "business_profile": {"mcc": "7399", "product_description": "Customer service gig work (demo)"},
                "individual": {
                    "first_name": first,
                    "last_name": last or "Agent",
                    "dob": {"day": 1, "month": 1, "year": 1901},
                    "address": {
                        "line1": "address_full_match",
                        "city": "Berlin",
                        "postal_code": "10115",
                        "country": country,
                    },
                    "email": email or f"agent{agent_id}@example.com",
                },
                "tos_acceptance": {
                    "date": int(datetime.now(tz=UTC).timestamp()),
                    "ip": "127.0.0.1",
                    "service_agreement": "recipient",
                },
                "external_account": {
                    "object": "bank_account",
                    "country": country,
                    "currency": settings.CURRENCY.lower(),
                    "account_number": TEST_IBANS[country],
                },
                "metadata": {"agent_id": str(agent_id), "demo": "true", "address": address[:200]},
            },
            options={"idempotency_key": f"connect-test-account-{agent_id}"},
        )
        return _account_from_stripe(account)

    def onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        link = _stripe_call(
            self.client.v1.account_links.create,
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(link["url"])

    def retrieve_account(self, *, account_id: str) -> AccountState:
        return _account_from_stripe(_stripe_call(self.client.v1.accounts.retrieve, account_id))

    def create_transfer(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        transfer_group: str,
        metadata: dict[str, str],
    ) -> TransferRecord:
        transfer = _stripe_call(
            self.client.v1.transfers.create,
            params={
                "amount": amount_minor,
                "currency": currency.lower(),
                "destination": destination,
                "transfer_group": transfer_group,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
        return _transfer_from_stripe(transfer)

    def find_transfer(self, *, transfer_group: str) -> TransferRecord | None:
        page = _stripe_call(self.client.v1.transfers.list, params={"transfer_group": transfer_group, "limit": 1})
        return _transfer_from_stripe(page.data[0]) if page.data else None

    def retrieve_transfer(self, *, transfer_id: str) -> TransferRecord:
        return _transfer_from_stripe(_stripe_call(self.client.v1.transfers.retrieve, transfer_id))

    def list_transfers(self, *, created_from: datetime, created_until: datetime) -> Iterator[TransferRecord]:
        page = _stripe_call(
            self.client.v1.transfers.list,
            params={
                "created": {"gte": int(created_from.timestamp()), "lt": int(created_until.timestamp())},
                "limit": 100,
            },
        )
        try:
            for obj in page.auto_paging_iter():
                yield _transfer_from_stripe(obj)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(str(exc)) from exc

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> TransferRecord:
        _stripe_call(
            self.client.v1.transfers.reversals.create,
            transfer_id,
            params={"amount": amount_minor},
            options={"idempotency_key": idempotency_key},
        )
        return self.retrieve_transfer(transfer_id=transfer_id)


def _local_record(row: LocalTestTransfer) -> TransferRecord:
    return TransferRecord(
        transfer_id=row.transfer_id,
        amount_minor=row.amount_minor,
        currency=row.currency,
        destination=row.destination,
        transfer_group=row.transfer_group,
        amount_reversed_minor=row.amount_reversed_minor,
        created=row.created_at,
    )


class LocalTestGateway:
    """Stands in for Stripe in embedded runs and demos. Records transfers in a local table; moves no money."""

    provider = Provider.LOCAL_TEST
    label = "Local test provider (no real money)"

    def create_account(self, *, agent_id: int, email: str, country: str) -> AccountState:
        return AccountState(
            account_id=f"acct_local_{secrets.token_hex(8)}", payouts_enabled=False, details_submitted=False
        )

    def onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        path = reverse("payouts:local_onboarding", kwargs={"account_id": account_id})
        return settings.PUBLIC_BASE_URL.rstrip("/") + path

    def retrieve_account(self, *, account_id: str) -> AccountState:
        account = ConnectedAccount.objects.filter(account_id=account_id).first()
        if account is None:
            raise ProviderDeclined(f"No such local test account {account_id}.")
        return AccountState(account.account_id, account.payouts_enabled, account.details_submitted)

    def create_transfer(
        self,
        *,
        amount_minor: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        transfer_group: str,
        metadata: dict[str, str],
    ) -> TransferRecord:
        existing = LocalTestTransfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = LocalTestTransfer.objects.create(
                        transfer_id=f"tr_local_{secrets.token_hex(10)}",
                        idempotency_key=idempotency_key,
                        destination=destination,
                        amount_minor=amount_minor,
                        currency=currency.upper(),
                        transfer_group=transfer_group,
                        metadata=metadata,
                    )
            except IntegrityError:
                existing = LocalTestTransfer.objects.get(idempotency_key=idempotency_key)
        if (existing.amount_minor, existing.destination) != (amount_minor, destination):
            raise ProviderUnavailable("Idempotency key reused with different parameters.")
        return _local_record(existing)

    def find_transfer(self, *, transfer_group: str) -> TransferRecord | None:
        row = LocalTestTransfer.objects.filter(transfer_group=transfer_group).order_by("created_at").first()
        return _local_record(row) if row else None

    def retrieve_transfer(self, *, transfer_id: str) -> TransferRecord:
        row = LocalTestTransfer.objects.filter(transfer_id=transfer_id).first()
        if row is None:
            raise ProviderDeclined(f"No such local test transfer {transfer_id}.")
        return _local_record(row)

    def list_transfers(self, *, created_from: datetime, created_until: datetime) -> Iterator[TransferRecord]:
        rows = LocalTestTransfer.objects.filter(created_at__gte=created_from, created_at__lt=created_until)
        for row in rows.order_by("created_at").iterator():
            yield _local_record(row)

    def reverse_transfer(self, *, transfer_id: str, amount_minor: int, idempotency_key: str) -> TransferRecord:
        with transaction.atomic():
            row = LocalTestTransfer.objects.select_for_update().filter(transfer_id=transfer_id).first()
            if row is None:
                raise ProviderDeclined(f"No such local test transfer {transfer_id}.")
            reversal_key = f"reversal:{idempotency_key}"
            done = row.metadata.get("reversal_keys", [])
            if reversal_key not in done:
                if row.amount_reversed_minor + amount_minor > row.amount_minor:
                    raise ProviderDeclined("Cannot reverse more than was transferred.")
                row.amount_reversed_minor += amount_minor
                row.metadata = {**row.metadata, "reversal_keys": [*done, reversal_key]}
                row.save(update_fields=["amount_reversed_minor", "metadata"])
        return _local_record(row)
