"""Words that carry no evidence about fit: English function words and the stock vocabulary of job ads."""

from __future__ import annotations

ENGLISH = frozenset(
    """a about above across after again against all almost also am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each either else etc even ever every few
    for from further had has have having he her here hers him his how however i if in into is it its itself just least
    less like many may me might more most much must my near need needs no nor not now of off often on once one only or
    other others our ours out over own per please rather same shall she should so some such than that the their theirs
    them then there these they this those though through thus to too toward under until up upon us use used using very
    via was we well were what when where whether which while who whom whose why will with within without would yet you
    your yours e g eg ie i e""".split()
)

# Words every posting and resume use; they say nothing about which job fits.
JOB_GENERIC = frozenset(
    """ability able responsibilities responsibility responsible requirement requirements required require requires
    qualification qualifications preferred minimum plus strong excellent good great proven demonstrated solid deep
    knowledge understanding experience experienced years year yrs skill skills skilled work working works worked job
    jobs role roles position positions candidate candidates opportunity opportunities team teams environment company
    companies business including include includes etc level related relevant field fields new looking join help
    ensure provide support within across various multiple other based high highly key successful success self
    equivalent degree similar apply applicants application day days time full part week weeks month months part-time
    full-time must best make making take taking way ways well us our we you your them will can all also both
    strong-willed seeking seek ideal ideally desire desired want wants opportunity ability abilities effectively
    effective excellent outstanding exceptional detail details oriented motivated passion passionate fast paced
    dynamic environment world class leading leader growing growth drive driven hands hands-on familiarity familiar
    proficiency proficient expertise expert area areas process processes professional professionals""".split()
)

# Places and work arrangements: a shared city is not evidence of a shared skill set.
PLACES = frozenset(
    """remote hybrid onsite on-site office offices location locations based relocation travel city state country usa
    us united states america american kingdom uk europe european emea apac asia india canada remote-first worldwide
    global local nationwide region regional headquarters hq area metro""".split()
)

STOP = ENGLISH | JOB_GENERIC | PLACES

# Generic job-ad vocabulary beyond JOB_GENERIC: nouns, adjectives, adverbs and seniority words that say nothing
# about a skill ("people", "results", "first", "clear", "junior"). Used only by keyword evidence.
EVIDENCE_GENERIC = frozenset(
    """people person colleagues colleague coworkers peers members member staff employees employee everyone someone
    results result outcomes outcome impact goals goal things thing lot lots kind kinds part parts piece pieces
    first second third last next end start beginning top bottom floor line lines side front back
    code codes clear clearly written verbal strong large small big little basic advanced existing sound solid
    regular regularly daily weekly monthly quarterly annual annually yearly quickly closely directly openly
    always never sometimes often usually still already together everything anything nothing something
    junior senior mid entry principal staff associate intern interns internship head chief
    chance visible important meaningful direct structured reliable documented reproducible trusted honest
    small medium sized fellow real-time wide broad variety range plenty number numbers amount
    sure comfort comfortable comfortably willingness willing eager able curious humble kind friendly
    organization organizations organisation organisational organizational department departments group groups
    partners partner stakeholders stakeholder leadership ideas idea concerns concern habits habit
    decisions decision problems problem challenges challenge needs priorities priority tasks task duties duty
    high-quality production-quality ready model-ready non-technical technical nontechnical
    hour hours today tomorrow yesterday ninety twelve eleven ten nine eight seven six five four three two
    onboarding buddy buddies meetings meeting one-to-one growth career careers culture mission values purpose
    home commute flexible flexibility schedule schedules shift shifts benefit
    img image images png jpg jpeg gif svg alt src href html http https www com
    mr mrs ms dr please thank thanks etc via per vs versus plus behind beyond among around along alongside
    throughout onto inside outside unlike besides amid cross functional cross-functional accurate accuracy
    availability reasonable notice non grounding trends trend approach calm sensitive cases case""".split()
)

# Verbs that open a duty bullet ("Build ...", "Attend ..."): never the first word of a keyword phrase, never a
# keyword alone. Only verbs that are not also the name of a skill ("design", "testing", "forecasting" stay).
_VERB_STEMS = """build write apply attend break ship handle operate manage develop create maintain own partner
    collaborate drive deliver ensure evaluate monitor retrain validate explain review prepare keep run track
    coordinate communicate answer give carry learn grow make help use bring join shape raise reach serve solve
    improve identify define deploy implement perform follow align demonstrate translate mentor conduct establish
    execute oversee contribute invest measure celebrate combine take set get go do say see work show tell turn
    meet achieve enjoy love thrive succeed lift stand sit walk read speak understand know think feel hire
    participate assist resolve respond act become remain stay exist expand scale own design-review present
    recommend assess analyze analyse interpret investigate prioritize prioritise balance influence negotiate
    close sell win retain onboard train coach guide teach inspire motivate empower support provide include
    require prefer seek want need love enable allow leverage utilize utilise adopt adapt handle transform
    partner liaise document update upgrade troubleshoot debug fix break-down write-up engage educate supervise
    administer escalate share automate lower sign edit exceed pursue celebrate invite encourage""".split()


def _inflect(stem: str) -> set[str]:
    forms = {stem, stem + "s", stem + "es", stem + "ed", stem + "ing", stem + "d"}
    if stem.endswith("e"):
        forms |= {stem[:-1] + "ing", stem + "d"}
    if stem.endswith("y"):
        forms |= {stem[:-1] + "ies", stem[:-1] + "ied"}
    if len(stem) <= 4 and stem[-1] not in "aeiouwy" and stem[-2:-1] in set("aeiou"):
        forms |= {stem + stem[-1] + "ing", stem + stem[-1] + "ed"}
    return forms


_IRREGULAR = "built wrote written given gave brought ran taken took made kept led sold won understood knew known held"
VERBS = (
    (frozenset(form for stem in _VERB_STEMS for form in _inflect(stem)) | frozenset(_IRREGULAR.split()))
    - {"shipping", "training", "coaching", "building", "closing", "reporting", "selling", "learning"}
) | {"designing", "designed", "developing", "developed"}
