"""The 77 BANKING77 intents, grouped into our seven categories, with the default routing.

This table seeds the `IntentPolicy` rows (ops edit them in the admin afterwards) and
maps intents to categories when the classifier is evaluated on category labels.

- category: one of `tickets.models.Category` (it is also the skill an agent needs);
- routine: the bot may answer it from the knowledge base (informational "how do I /
  what is" questions). Money that went missing, disputes, refunds, fraud and account
  closure always go to a person — the product's founding lesson;
- priority: `tickets.models.Priority` for the queue when the case goes to a human.
"""

from typing import NamedTuple

CARDS = "cards"
PAYMENTS = "payments"
REFUNDS = "refunds_disputes"
TRANSFERS = "transfers"
TOP_UPS = "top_ups"
ACCOUNT = "account_identity"
SECURITY = "security_fraud"

CATEGORIES = (CARDS, PAYMENTS, REFUNDS, TRANSFERS, TOP_UPS, ACCOUNT, SECURITY)

# tickets.models.Priority values, repeated here so this module imports no models.
LOW, NORMAL, HIGH, URGENT = 10, 20, 30, 40


class IntentSpec(NamedTuple):
    category: str
    routine: bool
    priority: int


# fmt: off
INTENTS: dict[str, IntentSpec] = {
    # intent                                            category   routine priority
    "activate_my_card":                       IntentSpec(CARDS,     True,  NORMAL),
    "apple_pay_or_google_pay":                IntentSpec(CARDS,     True,  NORMAL),
    "atm_support":                            IntentSpec(CARDS,     True,  NORMAL),
    "card_about_to_expire":                   IntentSpec(CARDS,     True,  NORMAL),
    "card_acceptance":                        IntentSpec(CARDS,     True,  NORMAL),
    "card_arrival":                           IntentSpec(CARDS,     True,  NORMAL),
    "card_delivery_estimate":                 IntentSpec(CARDS,     True,  NORMAL),
    "card_linking":                           IntentSpec(CARDS,     True,  NORMAL),
    "card_not_working":                       IntentSpec(CARDS,     False, NORMAL),
    "card_swallowed":                         IntentSpec(CARDS,     False, HIGH),
    "change_pin":                             IntentSpec(CARDS,     True,  NORMAL),
    "contactless_not_working":                IntentSpec(CARDS,     True,  NORMAL),
    "disposable_card_limits":                 IntentSpec(CARDS,     True,  NORMAL),
    "get_disposable_virtual_card":            IntentSpec(CARDS,     True,  NORMAL),
    "get_physical_card":                      IntentSpec(CARDS,     True,  NORMAL),
    "getting_spare_card":                     IntentSpec(CARDS,     True,  NORMAL),
    "getting_virtual_card":                   IntentSpec(CARDS,     True,  NORMAL),
    "order_physical_card":                    IntentSpec(CARDS,     True,  NORMAL),
    "pin_blocked":                            IntentSpec(CARDS,     True,  NORMAL),
    "supported_cards_and_currencies":         IntentSpec(CARDS,     True,  NORMAL),
    "virtual_card_not_working":               IntentSpec(CARDS,     False, NORMAL),
    "visa_or_mastercard":                     IntentSpec(CARDS,     True,  NORMAL),

    "card_payment_fee_charged":               IntentSpec(PAYMENTS,  True,  NORMAL),
    "card_payment_wrong_exchange_rate":       IntentSpec(PAYMENTS,  False, NORMAL),
    "cash_withdrawal_charge":                 IntentSpec(PAYMENTS,  True,  NORMAL),
    "declined_card_payment":                  IntentSpec(PAYMENTS,  True,  NORMAL),
    "declined_cash_withdrawal":               IntentSpec(PAYMENTS,  True,  NORMAL),
    "exchange_charge":                        IntentSpec(PAYMENTS,  True,  NORMAL),
    "exchange_rate":                          IntentSpec(PAYMENTS,  True,  NORMAL),
    "exchange_via_app":                       IntentSpec(PAYMENTS,  True,  NORMAL),
    "extra_charge_on_statement":              IntentSpec(PAYMENTS,  False, NORMAL),
    "fiat_currency_support":                  IntentSpec(PAYMENTS,  True,  NORMAL),
    "pending_card_payment":                   IntentSpec(PAYMENTS,  True,  NORMAL),
    "pending_cash_withdrawal":                IntentSpec(PAYMENTS,  True,  NORMAL),
    "wrong_exchange_rate_for_cash_withdrawal": IntentSpec(PAYMENTS, False, NORMAL),

    "Refund_not_showing_up":                  IntentSpec(REFUNDS,   False, NORMAL),
    "direct_debit_payment_not_recognised":    IntentSpec(REFUNDS,   False, HIGH),
    "request_refund":                         IntentSpec(REFUNDS,   False, NORMAL),
    "reverted_card_payment?":                 IntentSpec(REFUNDS,   False, NORMAL),
    "transaction_charged_twice":              IntentSpec(REFUNDS,   False, HIGH),
    "wrong_amount_of_cash_received":          IntentSpec(REFUNDS,   False, HIGH),

    "balance_not_updated_after_bank_transfer": IntentSpec(TRANSFERS, False, HIGH),
    "beneficiary_not_allowed":                IntentSpec(TRANSFERS, True,  NORMAL),
    "cancel_transfer":                        IntentSpec(TRANSFERS, True,  NORMAL),
    "declined_transfer":                      IntentSpec(TRANSFERS, True,  NORMAL),
    "failed_transfer":                        IntentSpec(TRANSFERS, False, HIGH),
    "pending_transfer":                       IntentSpec(TRANSFERS, True,  NORMAL),
    "receiving_money":                        IntentSpec(TRANSFERS, True,  NORMAL),
    "transfer_fee_charged":                   IntentSpec(TRANSFERS, True,  NORMAL),
    "transfer_into_account":                  IntentSpec(TRANSFERS, True,  NORMAL),
    "transfer_not_received_by_recipient":     IntentSpec(TRANSFERS, False, HIGH),
    "transfer_timing":                        IntentSpec(TRANSFERS, True,  NORMAL),

    "automatic_top_up":                       IntentSpec(TOP_UPS,   True,  NORMAL),
    "balance_not_updated_after_cheque_or_cash_deposit": IntentSpec(TOP_UPS, False, HIGH),
    "pending_top_up":                         IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_by_bank_transfer_charge":         IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_by_card_charge":                  IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_by_cash_or_cheque":               IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_failed":                          IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_limits":                          IntentSpec(TOP_UPS,   True,  NORMAL),
    "top_up_reverted":                        IntentSpec(TOP_UPS,   False, HIGH),
    "topping_up_by_card":                     IntentSpec(TOP_UPS,   True,  NORMAL),
    "verify_top_up":                          IntentSpec(TOP_UPS,   True,  NORMAL),

    "age_limit":                              IntentSpec(ACCOUNT,   True,  NORMAL),
    "country_support":                        IntentSpec(ACCOUNT,   True,  NORMAL),
    "edit_personal_details":                  IntentSpec(ACCOUNT,   True,  NORMAL),
    "passcode_forgotten":                     IntentSpec(ACCOUNT,   True,  NORMAL),
    "terminate_account":                      IntentSpec(ACCOUNT,   False, NORMAL),
    "unable_to_verify_identity":              IntentSpec(ACCOUNT,   False, NORMAL),
    "verify_my_identity":                     IntentSpec(ACCOUNT,   True,  NORMAL),
    "verify_source_of_funds":                 IntentSpec(ACCOUNT,   True,  NORMAL),
    "why_verify_identity":                    IntentSpec(ACCOUNT,   True,  NORMAL),

    "card_payment_not_recognised":            IntentSpec(SECURITY,  False, URGENT),
    "cash_withdrawal_not_recognised":         IntentSpec(SECURITY,  False, URGENT),
    "compromised_card":                       IntentSpec(SECURITY,  False, URGENT),
    "lost_or_stolen_card":                    IntentSpec(SECURITY,  False, URGENT),
    "lost_or_stolen_phone":                   IntentSpec(SECURITY,  False, URGENT),
}
# fmt: on


def category_of(intent: str) -> str:
    return INTENTS[intent].category
