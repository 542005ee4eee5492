"""Rule-based signals in a customer message: a request for a human, anger, distress,
vulnerability and fraud cues — in English, German and Swedish (and a little French and
Spanish).

Deliberately plain phrase lists, so ops and reviewers can read exactly why a message
went to a person. They are tuned to err towards a human: a false alarm costs an agent a
minute; a missed "I want a real person" breaks the product's promise.
"""

import re
from dataclasses import dataclass, field

HUMAN_REQUESTED = "human_requested"
NEGATIVE = "negative_sentiment"
DISTRESS = "distress"
VULNERABILITY = "vulnerability"
FRAUD = "fraud"


def _phrases(*patterns: str) -> re.Pattern:
    """One case-insensitive pattern; each phrase must start at a word boundary."""
    return re.compile("|".join(rf"(?<!\w)(?:{p})" for p in patterns), re.IGNORECASE)


_HUMAN = _phrases(
    # English
    r"human(?! error| resources)s?\b",
    r"real (?:person|people|agent|human|someone)\b",
    r"(?:a|an|the|your|some|live|actual) (?:agent|advis[eo]r|representative|rep|operator|employee|staff(?: member)?|"
    r"consultant)\b",
    r"(?:talk|speak|chat|talking|speaking) (?:to|with) (?:someone|somebody|people|a person|a human|an agent|staff)\b",
    r"customer (?:service|support|care)\b",
    r"(?:not|no more|stop (?:the|this)|enough of (?:the|this)) (?:a )?(?:bot|robot|machine|ai|automated)\b",
    r"(?:agent|operator|representative) please\b",
    # German
    r"mensch(?:en|lich\w*)?\b",
    r"\w*mitarbeiter\w*",
    r"\w*berater\w*",
    r"kundendienst\w*|kundenservice\w*|sachbearbeiter\w*|ansprechpartner\w*",
    r"echte[nmr]? (?:person|menschen|mitarbeiter\w*)",
    r"(?:mit|zu) (?:jemandem|einer person|einem agenten)\b",
    r"kein(?:en)? (?:bot|roboter|chatbot)\b",
    # Swedish
    r"människ\w*",
    r"handläggare\w*",
    r"personalen\b|(?:med|någon (?:ur|från)) personal\b",
    r"riktig (?:person|människa)\b",
    r"(?:prata|tala|snacka|chatta) med (?:någon|en person|en agent|en människa|kundtjänst)\b",
    r"kundtjänst\w*|kundservice\w*|medarbetare\w*",
    r"inte (?:en |med en |med )?(?:bot|robot|chattbot)\b",
    # French / Spanish
    r"humain\w*|conseill(?:er|ère)\b|une vraie personne\b",
    r"humano\b|persona real\b|agente\b|asesor\w*",
)

_NEGATIVE = _phrases(
    # English
    r"angry|furious|livid|fuming|outraged|pissed|mad at\b",
    r"unacceptable|ridiculous|outrageous|disgrace\w*|disgusting|appalling|pathetic|useless|incompetent",
    r"terrible|awful|horrible|worst\b|rubbish|joke of a\b",
    r"scam\w*|rip[- ]?off|daylight robbery",
    r"fed up|sick (?:and tired )?of|had enough|frustrat\w*|annoy\w*|upset\b|disappointed",
    r"complain\w*|ombudsman|regulator|lawyer|solicitor|sue you|legal action",
    r"wtf\b|f+u+c+k\w*|shit\w*|crap\b|damn\w*|bloody\b",
    # German
    r"wütend|sauer\b|verärgert|stinksauer|empört|unverschämt\w*|inakzeptabel|unmöglich\b|frechheit|skandal\w*",
    r"abzocke\w*|katastroph\w*|schrecklich\w*|furchtbar\w*|enttäuscht|ärgerlich|beschwer\w*|anwalt|scheiß\w*|mist\b",
    r"(?:es )?reicht (?:mir|jetzt)",
    # Swedish
    r"arg\b|argare|förbannad\w*|irriterad\w*|upprörd\w*|oacceptabel\w*|skandal\w*|bluff\w*",
    r"fruktansvärd\w*|hemsk\w*|värdelös\w*|besviken|besvikna|klagomål|klaga\b|anmäla\b|advokat\w*|skit\w*",
    r"trött på|less på",
    # French / Spanish
    r"furieux|furieuse|inadmissible|inacceptable|en colère|enfadad[oa]|furios[oa]|inaceptable|vergüenza",
)

_DISTRESS = _phrases(
    # English
    r"crying|in tears|desperate\w*|panic\w*|terrified|scared|afraid|frightened|stressed|anxious|breakdown",
    r"emergency|urgent(?:ly)?\b|begging",
    r"stranded|stuck (?:abroad|at|in)\b|no money (?:left|for)|can'?t afford|cannot afford",
    r"(?:can'?t|cannot|unable to) (?:pay|buy|feed)\b",
    # German
    r"weine\b|weinen|verzweifelt|panik|angst\b|dringend\w*|notfall|kein geld mehr",
    r"(?:kann|können) (?:die |meine )?(?:miete|rechnungen?) nicht (?:zahlen|bezahlen)",
    # Swedish
    r"gråter|desperat\w*|panik\w*|rädd\b|livrädd|akut\w*|nödsituation",
    r"inga pengar|har inte råd|kan inte betala|strandsatt",
    # French / Spanish
    r"désespéré\w*|urgence|au secours|desesperad[oa]|urgencia",
)

_VULNERABILITY = _phrases(
    # English
    r"passed away|died\b|death\b|deceased|bereave\w*|funeral|widow\w*",
    r"hospital\w*|cancer|terminal(?:ly)? ill|seriously ill|disab(?:led|ility)|dementia|mental health|depress\w*",
    r"suicid\w*|self[- ]harm|abus(?:e|ive)\b|domestic violence|coerc\w*|forced me",
    r"lost my job|unemployed|redundan\w*|in debt|debt collector|bailiff\w*|gambling",
    r"(?:can'?t|cannot|unable to) pay (?:my |the )?(?:rent|bills?|mortgage)",
    # German
    r"verstorben\w*|gestorben|todesfall|beerdigung|witwe\w*|krankenhaus|krebs\b|schwer krank|behindert\w*",
    r"arbeitslos\w*|schulden\b|inkasso|spielsucht|häusliche gewalt|depression\w*",
    r"miete nicht (?:zahlen|bezahlen)",
    # Swedish
    r"avled\w*|avliden|(?:han|hon|mamma|pappa|make|maka|min man|min fru) dog\b|dödsfall|begravning\w*|änk(?:a|ling)",
    r"sjukhus\w*|allvarligt sjuk|funktionsnedsättning|arbetslös\w*|skulder|kronofogden|spelberoende|"
    r"våld i nära relation",
)

_FRAUD = _phrases(
    # English
    r"stolen|stole\b|theft|thief|robbed|mugged|pickpocket\w*",
    r"hack(?:ed|er|ers)\b|compromised|phishing|fraud\w*|scammed|scammer\w*|tricked|conned",
    r"unauthori[sz]ed|(?:did ?n[o']t|never) (?:make|made|authori[sz]e|do|buy)\b",
    r"(?:someone|somebody|a stranger) (?:has |had )?(?:used|took|taken|accessed|logged|got into|is using)",
    r"(?:do ?n[o']t|does ?n[o']t|did ?n[o']t) recogni[sz]e|not recogni[sz]ed|suspicious|not me\b",
    r"gave (?:them |him |her |someone )?my (?:pin|code|password|passcode|details)",
    # German
    r"gestohlen|geklaut|diebstahl|gehackt|betrug\w*|betrogen|phishing|nicht autorisiert|nicht von mir",
    r"jemand (?:hat|anderes) (?:meine|mein)\w*",
    r"(?:kenne|erkenne) (?:ich )?(?:diese|die|den)\w* (?:zahlung|abbuchung|buchung)\w* nicht",
    # Swedish
    r"stul(?:en|et|na|its)|stöld|hackad\w*|hackat|kapad\w*|bedrägeri\w*|bedragen|lurad\w*|lurade",
    r"någon (?:har )?(?:använt|tagit|loggat)|inte jag\b|känner inte igen",
    # French / Spanish
    r"volée?s?\b|piraté\w*|fraude\w*|robad[oa]s?\b|hackead[oa]\b",
)

_SHOUTING_MIN_LETTERS = 12

# A sentence that asks for nothing: a greeting, thanks, an "ok".
SMALL_TALK_RE = re.compile(
    r"^(?:hi|hello|hey|hallo|hej|hejsan|moin|servus|guten (?:tag|morgen|abend)|good (?:morning|afternoon|evening)|"
    r"god (?:morgon|kväll)|bonjour|hola|thanks?(?: you)?|danke(?: schön)?|tack(?: så mycket)?|merci|gracias|"
    r"please|bitte|snälla|ok(?:ay)?|yes|no|ja|nej|nein)"
    r"[\s,.!?]*(?:there|team|all|everyone|zusammen|allihop)?[\s,.!?]*$",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences_of(text: str) -> list[str]:
    """Sentences end at . ! or ? followed by a space (so "€12.50" stays whole), or at a line break."""
    return [s.strip() for s in _SENTENCE_END_RE.split(text or "") if s.strip()]


def is_small_talk(text: str) -> bool:
    """True when the message only greets or thanks: there is no request to triage yet."""
    sentences = sentences_of(text)
    return bool(sentences) and all(SMALL_TALK_RE.match(s) for s in sentences)


@dataclass(frozen=True)
class Signals:
    human_requested: bool = False
    negative_sentiment: bool = False
    distress: bool = False
    vulnerability: bool = False
    fraud: bool = False
    cues: tuple[str, ...] = field(default=())

    @property
    def codes(self) -> list[str]:
        flags = (
            (HUMAN_REQUESTED, self.human_requested),
            (NEGATIVE, self.negative_sentiment),
            (DISTRESS, self.distress),
            (VULNERABILITY, self.vulnerability),
            (FRAUD, self.fraud),
        )
        return [code for code, on in flags if on]

    @property
    def upset(self) -> bool:
        """Angry, distressed or in a vulnerable situation: a person should take it."""
        return self.negative_sentiment or self.distress or self.vulnerability

    def as_dict(self) -> dict:
        return {"codes": self.codes, "cues": list(self.cues)}


def detect_signals(text: str) -> Signals:
    """Signals found in one (redacted) customer message."""
    text = text or ""
    cues: list[str] = []

    def found(pattern: re.Pattern) -> bool:
        match = pattern.search(text)
        if match:
            cues.append(match.group().strip().lower())
        return match is not None

    human = found(_HUMAN)
    negative = found(_NEGATIVE) or _shouting(text, cues)
    distress = found(_DISTRESS)
    vulnerable = found(_VULNERABILITY)
    fraud = found(_FRAUD)
    return Signals(
        human_requested=human,
        negative_sentiment=negative,
        distress=distress,
        vulnerability=vulnerable,
        fraud=fraud,
        cues=tuple(dict.fromkeys(cues)),
    )


def _shouting(text: str, cues: list[str]) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if "!!!" in text:
        cues.append("!!!")
        return True
    if len(letters) >= _SHOUTING_MIN_LETTERS and sum(ch.isupper() for ch in letters) / len(letters) > 0.8:
        cues.append("all caps")
        return True
    return False
