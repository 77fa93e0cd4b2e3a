"""Alembic migrations of the SQL store's schema: `jobmatch migrate` (or `upgrade(url)`) brings a database to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent


def config(url: str) -> Config:
    """An Alembic config for the database at `url`, with the scripts shipped in this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    # Percent signs in a URL (escaped passwords) would read as interpolation in Alembic's ini-style options.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`."""
    command.upgrade(config(url), revision)


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database `engine` is connected to, over one of its own connections (an in-memory SQLite has no
    other way in)."""
    cfg = config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
