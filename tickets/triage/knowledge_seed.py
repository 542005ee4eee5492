"""The knowledge-base answers the project ships with (seeded by a data migration).

One answer per routine intent in English, and German and Swedish for the most common
ones. Ops edit them in the admin afterwards; this file is only the starting point.
"""

# (intent, language) -> (title, body)
SEED_ANSWERS: dict[tuple[str, str], tuple[str, str]] = {
    # --- cards ------------------------------------------------------------------------
    ("activate_my_card", "en"): (
        "Activating your card",
        "Open the app, go to Cards, tap the new card and choose “Activate”. Then enter the code printed on the "
        "letter that came with the card. Your first payment with the PIN in a shop also activates it.",
    ),
    ("activate_my_card", "de"): (
        "Karte aktivieren",
        "Öffnen Sie die App, gehen Sie zu „Karten“, tippen Sie auf die neue Karte und wählen Sie „Aktivieren“. "
        "Geben Sie dann den Code aus dem Begleitbrief ein. Auch die erste Zahlung mit PIN im Geschäft aktiviert sie.",
    ),
    ("activate_my_card", "sv"): (
        "Aktivera ditt kort",
        "Öppna appen, gå till Kort, tryck på det nya kortet och välj ”Aktivera”. Ange sedan koden i brevet som kom "
        "med kortet. Ditt första köp med PIN-kod i en butik aktiverar det också.",
    ),
    ("apple_pay_or_google_pay", "en"): (
        "Apple Pay and Google Pay",
        "Both work with our cards. In the app, open Cards, pick your card and tap “Add to Apple Wallet” or "
        "“Add to Google Pay”, then follow the steps on your phone.",
    ),
    ("apple_pay_or_google_pay", "de"): (
        "Apple Pay und Google Pay",
        "Beides funktioniert mit unseren Karten. Öffnen Sie in der App „Karten“, wählen Sie Ihre Karte und tippen "
        "Sie auf „Zu Apple Wallet hinzufügen“ oder „Zu Google Pay hinzufügen“.",
    ),
    ("apple_pay_or_google_pay", "sv"): (
        "Apple Pay och Google Pay",
        "Båda fungerar med våra kort. Öppna Kort i appen, välj ditt kort och tryck på ”Lägg till i Apple Wallet” "
        "eller ”Lägg till i Google Pay”.",
    ),
    ("atm_support", "en"): (
        "Using cash machines",
        "You can withdraw cash at any ATM that shows the Visa or Mastercard logo. Choose “decline conversion” if "
        "the machine offers to charge you in your home currency — you get our exchange rate instead.",
    ),
    ("card_about_to_expire", "en"): (
        "When your card expires",
        "We send a new card automatically about a month before the old one expires. If yours hasn't arrived two "
        "weeks before the expiry date, order a replacement in the app under Cards → Replace card.",
    ),
    ("card_acceptance", "en"): (
        "Where you can pay with your card",
        "Your card works wherever Visa or Mastercard is accepted, in shops and online, in most countries. A few "
        "merchant types (for example some gambling sites) are blocked for everyone.",
    ),
    ("card_arrival", "en"): (
        "Waiting for your card",
        "Cards usually arrive within 5–7 working days (up to 3 weeks abroad). You can follow the delivery in the "
        "app under Cards. If it hasn't arrived after that, order a replacement there — the old one is blocked.",
    ),
    ("card_arrival", "de"): (
        "Ihre Karte ist unterwegs",
        "Karten kommen in der Regel innerhalb von 5–7 Werktagen an (im Ausland bis zu 3 Wochen). Den Versand sehen "
        "Sie in der App unter „Karten“. Ist sie danach nicht da, bestellen Sie dort eine Ersatzkarte.",
    ),
    ("card_arrival", "sv"): (
        "Ditt kort är på väg",
        "Kort kommer normalt inom 5–7 arbetsdagar (upp till 3 veckor utomlands). Du kan följa leveransen i appen "
        "under Kort. Har det inte kommit efter det kan du beställa ett nytt där.",
    ),
    ("card_delivery_estimate", "en"): (
        "How long card delivery takes",
        "Standard delivery takes 5–7 working days; express delivery (where offered) 1–3. The app shows the "
        "expected date under Cards as soon as the card is sent.",
    ),
    ("card_delivery_estimate", "de"): (
        "Lieferzeit der Karte",
        "Der Standardversand dauert 5–7 Werktage, Express (wo verfügbar) 1–3. Das voraussichtliche Datum sehen Sie "
        "in der App unter „Karten“, sobald die Karte verschickt ist.",
    ),
    ("card_linking", "en"): (
        "Linking a card you already have",
        "In the app go to Cards → Link a card, and enter the card details or scan the card. A card that already "
        "belongs to your account is linked automatically when it arrives.",
    ),
    ("change_pin", "en"): (
        "Changing your PIN",
        "You can change your PIN at most ATMs under “PIN services”. You can also see your current PIN in the app "
        "under Cards → Show PIN.",
    ),
    ("change_pin", "de"): (
        "PIN ändern",
        "Ihre PIN können Sie an den meisten Geldautomaten unter „PIN-Services“ ändern. Ihre aktuelle PIN sehen Sie "
        "in der App unter „Karten → PIN anzeigen“.",
    ),
    ("change_pin", "sv"): (
        "Byta PIN-kod",
        "Du kan byta PIN-kod i de flesta bankomater under ”PIN-tjänster”. Din nuvarande PIN-kod ser du i appen "
        "under Kort → Visa PIN.",
    ),
    ("contactless_not_working", "en"): (
        "Contactless isn't working",
        "For security, the first payment with a new card must use the chip and PIN; contactless works after that. "
        "Some terminals also ask for the PIN after several contactless payments in a row.",
    ),
    ("disposable_card_limits", "en"): (
        "Disposable virtual cards",
        "A disposable virtual card works for one payment; its number then changes automatically. You can create "
        "up to 20 a day in the app.",
    ),
    ("get_disposable_virtual_card", "en"): (
        "Getting a disposable virtual card",
        "In the app go to Cards → New card → Disposable virtual card. It is ready at once and its details change "
        "after every payment, which makes it safer for online shopping.",
    ),
    ("get_physical_card", "en"): (
        "Getting a physical card",
        "Order one in the app under Cards → New card → Physical card. We post it to the address on your account.",
    ),
    ("getting_spare_card", "en"): (
        "Ordering an extra card",
        "You can hold several cards on one account. Order another in the app under Cards → New card.",
    ),
    ("getting_virtual_card", "en"): (
        "Getting a virtual card",
        "In the app go to Cards → New card → Virtual card. It is ready at once and works online and with Apple Pay "
        "or Google Pay.",
    ),
    ("order_physical_card", "en"): (
        "Ordering a card",
        "Order a physical card in the app under Cards → New card. Check that your address is right before you "
        "confirm; delivery takes 5–7 working days.",
    ),
    ("pin_blocked", "en"): (
        "Your PIN is blocked",
        "After three wrong PIN entries the PIN is blocked. You can unblock it in the app under Cards → Unblock PIN, "
        "or at an ATM under “PIN services”, once you know the right PIN (Cards → Show PIN).",
    ),
    ("pin_blocked", "de"): (
        "PIN gesperrt",
        "Nach dreimal falscher Eingabe wird die PIN gesperrt. Entsperren können Sie sie in der App unter "
        "„Karten → PIN entsperren“ oder am Geldautomaten unter „PIN-Services“.",
    ),
    ("pin_blocked", "sv"): (
        "Spärrad PIN-kod",
        "Efter tre felaktiga försök spärras PIN-koden. Du låser upp den i appen under Kort → Lås upp PIN, eller i "
        "en bankomat under ”PIN-tjänster”.",
    ),
    ("supported_cards_and_currencies", "en"): (
        "Cards and currencies we support",
        "You can top up with Visa and Mastercard debit or credit cards. Your account can hold and exchange more "
        "than 30 currencies; the app lists them under Accounts → Add currency.",
    ),
    ("visa_or_mastercard", "en"): (
        "Visa or Mastercard?",
        "Our cards are issued as Visa or Mastercard depending on your country. The logo on your card (or in the "
        "app under Cards → Details) tells you which one you have.",
    ),
    # --- payments ----------------------------------------------------------------------
    ("card_payment_fee_charged", "en"): (
        "A fee on a card payment",
        "Card payments in your account's currency are free. A fee can apply to payments in another currency above "
        "your plan's monthly allowance, or at weekends when markets are closed. The app shows the fee on the "
        "payment.",
    ),
    ("cash_withdrawal_charge", "en"): (
        "Fees for cash withdrawals",
        "Withdrawals are free up to your plan's monthly allowance; after that a small fee applies. Some ATM "
        "operators add their own charge, which the machine shows before you confirm.",
    ),
    ("declined_card_payment", "en"): (
        "A declined card payment",
        "Common reasons: not enough money in the account, a wrong PIN or expiry date, a frozen card, or a "
        "spending limit. Check the card's status and limits in the app under Cards; the app shows the reason on "
        "the declined payment.",
    ),
    ("declined_card_payment", "de"): (
        "Kartenzahlung abgelehnt",
        "Häufige Gründe: nicht genug Guthaben, falsche PIN oder falsches Ablaufdatum, eine eingefrorene Karte oder "
        "ein Limit. Status und Limits sehen Sie in der App unter „Karten“; dort steht auch der Grund der Ablehnung.",
    ),
    ("declined_card_payment", "sv"): (
        "Nekad kortbetalning",
        "Vanliga orsaker: för lite pengar på kontot, fel PIN-kod eller utgångsdatum, ett fryst kort eller en "
        "beloppsgräns. Kolla kortets status och gränser i appen under Kort; där står också orsaken.",
    ),
    ("declined_cash_withdrawal", "en"): (
        "A declined cash withdrawal",
        "Check that you have enough money in the account, that the PIN is right and that you are under your daily "
        "withdrawal limit (Cards → Limits). Some ATMs also refuse foreign cards; try another machine.",
    ),
    ("exchange_charge", "en"): (
        "Exchange fees",
        "Exchanging currencies is free up to your plan's monthly allowance on weekdays. Above it, and at weekends, "
        "a small mark-up applies; the app shows it before you confirm.",
    ),
    ("exchange_rate", "en"): (
        "Our exchange rates",
        "We use the interbank rate at the moment of the payment or exchange, with no mark-up within your plan's "
        "allowance on weekdays. The app shows the rate before you exchange.",
    ),
    ("exchange_rate", "de"): (
        "Unsere Wechselkurse",
        "Wir verwenden den Interbankenkurs zum Zeitpunkt der Zahlung oder des Umtauschs, werktags innerhalb Ihres "
        "Freibetrags ohne Aufschlag. Die App zeigt den Kurs vor dem Umtausch.",
    ),
    ("exchange_rate", "sv"): (
        "Våra växelkurser",
        "Vi använder interbankkursen när betalningen eller växlingen görs, utan påslag inom ditt abonnemangs "
        "gräns på vardagar. Appen visar kursen innan du växlar.",
    ),
    ("exchange_via_app", "en"): (
        "Exchanging money in the app",
        "Go to Accounts, tap Exchange, pick the two currencies and the amount, check the rate and confirm. The "
        "money is in the other currency at once.",
    ),
    ("fiat_currency_support", "en"): (
        "Currencies you can hold",
        "You can hold and exchange more than 30 currencies. The full list is in the app under Accounts → Add currency.",
    ),
    ("pending_card_payment", "en"): (
        "A pending card payment",
        "A card payment stays pending until the shop completes it, usually within a few days (hotels and car "
        "hire can take longer). If the shop never completes it, the money returns to you automatically.",
    ),
    ("pending_card_payment", "de"): (
        "Ausstehende Kartenzahlung",
        "Eine Kartenzahlung bleibt ausstehend, bis der Händler sie abschließt, meist innerhalb weniger Tage. "
        "Schließt er sie nie ab, kommt das Geld automatisch zurück.",
    ),
    ("pending_cash_withdrawal", "en"): (
        "A pending cash withdrawal",
        "A withdrawal shows as pending until the ATM operator confirms it, usually within a couple of working "
        "days. Nothing more is taken from your account while it is pending.",
    ),
    # --- transfers ---------------------------------------------------------------------
    ("beneficiary_not_allowed", "en"): (
        "A payee that can't be added",
        "Check the account number, IBAN and name for typos. Some banks and countries can't receive transfers from "
        "us; the app tells you when that is the case.",
    ),
    ("cancel_transfer", "en"): (
        "Cancelling a transfer",
        "A transfer that still shows as pending can be cancelled in the app: open it under Transactions and tap "
        "“Cancel”. Once it is completed it can't be cancelled; ask the recipient to send it back.",
    ),
    ("cancel_transfer", "de"): (
        "Überweisung stornieren",
        "Eine Überweisung, die noch als ausstehend angezeigt wird, können Sie in der App unter „Umsätze“ öffnen und "
        "„Stornieren“ tippen. Ist sie abgeschlossen, bitten Sie den Empfänger um Rücküberweisung.",
    ),
    ("cancel_transfer", "sv"): (
        "Avbryta en överföring",
        "En överföring som fortfarande visas som väntande kan du öppna under Transaktioner i appen och trycka på "
        "”Avbryt”. Är den genomförd får du be mottagaren skicka tillbaka pengarna.",
    ),
    ("declined_transfer", "en"): (
        "A declined transfer",
        "Transfers are usually declined because of a wrong IBAN or account number, not enough money, or a limit. "
        "The app shows the reason on the transfer; fix it and send it again.",
    ),
    ("pending_transfer", "en"): (
        "A pending transfer",
        "Transfers in the same currency usually arrive within a working day; international ones can take up to "
        "5 working days. A transfer can also be held for a routine check, which the app then tells you.",
    ),
    ("pending_transfer", "de"): (
        "Ausstehende Überweisung",
        "Überweisungen in derselben Währung kommen meist innerhalb eines Werktags an, internationale können bis zu "
        "5 Werktage dauern. Manchmal wird eine Überweisung kurz geprüft; das zeigt Ihnen dann die App.",
    ),
    ("pending_transfer", "sv"): (
        "Väntande överföring",
        "Överföringar i samma valuta kommer oftast fram inom en arbetsdag; internationella kan ta upp till 5 "
        "arbetsdagar. Ibland kontrolleras en överföring först, och då visar appen det.",
    ),
    ("receiving_money", "en"): (
        "Receiving money",
        "Share your account details from the app (Accounts → Details). Money in the same currency usually arrives "
        "within a working day.",
    ),
    ("transfer_fee_charged", "en"): (
        "Fees on transfers",
        "Transfers in your account's currency are free. International transfers may carry a small fee, shown "
        "before you confirm; the recipient's bank may also charge one.",
    ),
    ("transfer_into_account", "en"): (
        "Adding money by bank transfer",
        "Send money from your other bank to the account details shown in the app under Accounts → Details. It "
        "usually arrives within a working day.",
    ),
    ("transfer_timing", "en"): (
        "How long a transfer takes",
        "Transfers in the same currency usually arrive within a working day, often in minutes. International "
        "transfers take 1–5 working days depending on the country.",
    ),
    ("transfer_timing", "de"): (
        "Dauer einer Überweisung",
        "Überweisungen in derselben Währung kommen meist innerhalb eines Werktags an, oft in Minuten. "
        "Internationale Überweisungen dauern je nach Land 1–5 Werktage.",
    ),
    ("transfer_timing", "sv"): (
        "Hur lång tid en överföring tar",
        "Överföringar i samma valuta kommer oftast fram inom en arbetsdag, ofta på några minuter. Internationella "
        "överföringar tar 1–5 arbetsdagar beroende på land.",
    ),
    # --- top-ups -----------------------------------------------------------------------
    ("automatic_top_up", "en"): (
        "Automatic top-up",
        "Turn on auto top-up in the app under Accounts → Top up → Auto top-up. Choose the balance at which it "
        "starts and the amount; it uses the card you pick.",
    ),
    ("pending_top_up", "en"): (
        "A pending top-up",
        "Card top-ups usually arrive at once; bank transfers within a working day. A top-up can be held briefly "
        "for a security check — the app then shows it as pending.",
    ),
    ("pending_top_up", "de"): (
        "Ausstehende Aufladung",
        "Aufladungen per Karte kommen meist sofort an, per Überweisung innerhalb eines Werktags. Manchmal wird eine "
        "Aufladung kurz geprüft – dann zeigt die App sie als ausstehend.",
    ),
    ("pending_top_up", "sv"): (
        "Väntande insättning",
        "Insättningar med kort kommer oftast fram direkt, banköverföringar inom en arbetsdag. Ibland kontrolleras "
        "en insättning först – då visar appen den som väntande.",
    ),
    ("top_up_by_bank_transfer_charge", "en"): (
        "Fees for topping up by bank transfer",
        "Topping up by bank transfer is free from us. Your other bank may charge for sending, especially from abroad.",
    ),
    ("top_up_by_card_charge", "en"): (
        "Fees for topping up by card",
        "Topping up with a debit card from your country is free. Cards issued abroad and some credit cards carry a "
        "small fee, shown before you confirm.",
    ),
    ("top_up_by_cash_or_cheque", "en"): (
        "Cash and cheques",
        "We can't accept cash or cheques. Top up by card or bank transfer in the app instead.",
    ),
    ("top_up_failed", "en"): (
        "A top-up that failed",
        "Check that the card hasn't expired, that the billing address matches and that your other bank allows the "
        "payment (some ask you to confirm in their app). Then try again; a failed top-up takes no money.",
    ),
    ("top_up_failed", "de"): (
        "Aufladung fehlgeschlagen",
        "Prüfen Sie, ob die Karte gültig ist, die Rechnungsadresse stimmt und Ihre andere Bank die Zahlung erlaubt "
        "(manche verlangen eine Bestätigung in ihrer App). Versuchen Sie es dann erneut.",
    ),
    ("top_up_failed", "sv"): (
        "Misslyckad insättning",
        "Kontrollera att kortet är giltigt, att faktureringsadressen stämmer och att din andra bank tillåter "
        "betalningen (vissa vill att du godkänner i deras app). Försök sedan igen.",
    ),
    ("top_up_limits", "en"): (
        "Top-up limits",
        "Your top-up limits depend on your plan and verification level; the app shows them under Accounts → Top up "
        "→ Limits.",
    ),
    ("topping_up_by_card", "en"): (
        "Topping up by card",
        "In the app tap Top up, choose a saved card or add a new one, enter the amount and confirm. The money is "
        "usually there at once.",
    ),
    ("verify_top_up", "en"): (
        "Verifying a card top-up",
        "Sometimes we ask you to verify a card you top up with: we make a small charge with a code in its "
        "description. Enter that code in the app under Accounts → Top up → Verify card.",
    ),
    # --- account & identity ------------------------------------------------------------
    ("age_limit", "en"): (
        "Age requirement",
        "You need to be at least 18 to open an account.",
    ),
    ("country_support", "en"): (
        "Countries we support",
        "You can open an account if you live in the EEA, the UK or Switzerland. You can use the card worldwide.",
    ),
    ("edit_personal_details", "en"): (
        "Changing your personal details",
        "Change your address, phone number or e-mail in the app under Profile → Personal details. A change of name "
        "needs a photo of a document that shows the new name.",
    ),
    ("passcode_forgotten", "en"): (
        "A forgotten passcode",
        "On the login screen tap “Forgot passcode?” and follow the steps; we send a code to your phone and may ask "
        "for a selfie to confirm it's you.",
    ),
    ("passcode_forgotten", "de"): (
        "Passcode vergessen",
        "Tippen Sie auf dem Anmeldebildschirm auf „Passcode vergessen?“ und folgen Sie den Schritten; wir senden "
        "Ihnen einen Code aufs Telefon und bitten eventuell um ein Selfie.",
    ),
    ("passcode_forgotten", "sv"): (
        "Glömt lösenkod",
        "Tryck på ”Glömt lösenkoden?” på inloggningsskärmen och följ stegen; vi skickar en kod till din telefon "
        "och kan be om en selfie för att bekräfta att det är du.",
    ),
    ("verify_my_identity", "en"): (
        "Verifying your identity",
        "In the app go to Profile → Verify identity, take a photo of your passport or ID card and a short selfie. "
        "Most checks finish within minutes.",
    ),
    ("verify_my_identity", "de"): (
        "Identität bestätigen",
        "Gehen Sie in der App zu „Profil → Identität bestätigen“, fotografieren Sie Ihren Pass oder Ausweis und "
        "nehmen Sie ein kurzes Selfie auf. Die meisten Prüfungen dauern nur Minuten.",
    ),
    ("verify_my_identity", "sv"): (
        "Verifiera din identitet",
        "Gå till Profil → Verifiera identitet i appen, fotografera ditt pass eller id-kort och ta en kort selfie. "
        "De flesta kontroller är klara inom några minuter.",
    ),
    ("verify_source_of_funds", "en"): (
        "Why we ask where money comes from",
        "The law requires us to understand where larger amounts come from. Upload a payslip, a bank statement or "
        "a sale contract in the app when we ask; we only use it for this check.",
    ),
    ("why_verify_identity", "en"): (
        "Why we verify your identity",
        "As a regulated financial company we must confirm who our customers are, to protect you and to prevent "
        "fraud and money laundering. It is needed once, when you open the account.",
    ),
}
