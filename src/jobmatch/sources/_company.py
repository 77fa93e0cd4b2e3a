"""What every company board (an applicant-tracking system's public API) has in common: one company's board, read
whole and then filtered by the search (`whole_board`), at the base URL its setting names."""

from __future__ import annotations

from typing import ClassVar, Self

from jobmatch.config import Settings
from jobmatch.sources._http import PoliteClient


class CompanyBoard:
    """One company's board on an ATS, spoken through a PoliteClient; `name` is its source name, `<prefix>:<board>`."""

    whole_board = True
    prefix: ClassVar[str]

    def __init__(self, client: PoliteClient, base_url: str, board: str):
        self._client = client
        self._base = base_url.rstrip("/")
        self.board = board
        self.name = f"{self.prefix}:{board}"

    @classmethod
    def from_settings(cls, client: PoliteClient, settings: Settings, board: str) -> Self:
        return cls(client, cls.base_url(settings), board)

    @staticmethod
    def base_url(settings: Settings) -> str:
        """The ATS's base URL setting."""
        raise NotImplementedError
