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
