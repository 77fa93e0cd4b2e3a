"""Alembic migrations of the SQL store's schema: `jobmatch migrate` (or `upgrade(url)`) brings a database to head."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
# Each script is versions/NNNN_name.py with `revision = "NNNN"`, revising the number before it (a test holds every
# script to this, against Alembic's own reading), so the highest prefix is Alembic's head.
_SCRIPT_GLOB = "[0-9][0-9][0-9][0-9]_*.py"


def config(url: str) -> Config:
    """An Alembic config for the database at `url`, with the scripts shipped in this package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    # Percent signs in a URL (escaped passwords) would read as interpolation in Alembic's ini-style options.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head() -> str:
    """The newest revision, read from the scripts' file names (loading Alembic to ask costs more than a warm
    command's whole work)."""
    return max(script.name.split("_", 1)[0] for script in (HERE / "versions").glob(_SCRIPT_GLOB))


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`."""
    from alembic import command

    command.upgrade(config(url), revision)


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database `engine` is connected to, over one of its own connections (an in-memory SQLite has no
    other way in). A database already at head is left alone without loading Alembic."""
    if revision == "head" and _versions(engine) == [head()]:
        return
    from alembic import command

    cfg = config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _versions(engine: Engine) -> list[str]:
    """The revisions Alembic recorded in the database; none if it never ran there."""
    with engine.connect() as connection:
        try:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except DBAPIError:
            # No alembic_version table yet (a new database), or it could not be read: Alembic's upgrade decides.
            return []
