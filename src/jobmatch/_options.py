"""The command line's search options, declared once for every command that takes a search (`search`, `submit`,
`watch add`)."""

from __future__ import annotations

from typing import Annotated

import typer

QueryArgument = Annotated[str, typer.Argument(help="Job title or keywords, e.g. 'Data Scientist'.")]
LocationOption = Annotated[str, typer.Option(help="Where, e.g. Chicago.")]
PagesOption = Annotated[int, typer.Option(help="Search result pages to read (1-100, ~10 postings each).")]
PostTimeOption = Annotated[float, typer.Option("--post-time", help="Only postings listed within this many days.")]
WordScoreOption = Annotated[
    list[str] | None, typer.Option("--word-score", metavar="TERM=WEIGHT", help="Repeatable, e.g. phd=1.1.")
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help=(
            "A board to read, repeatable: linkedin (the default), greenhouse:<board>, lever:<site>, lever:eu:<site>, "
            "ashby:<board>, or watchlist (every board on your watchlist, see `jobmatch boards`)."
        ),
    ),
]
