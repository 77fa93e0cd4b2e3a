"""Where embeddings live between runs: a protocol the stores implement, and an in-memory one."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class EmbeddingCache(Protocol):
    """Embeddings by text key, per model name; the SQL and DynamoDB stores implement it."""

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors among `keys` for `model`; missing keys are simply absent."""
        ...

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store (or overwrite) vectors for `model`."""
        ...


class MemoryEmbeddingCache:
    """An `EmbeddingCache` in a dict: for tests, and for one process's lifetime."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def load_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found = {key: self._vectors.get((model, key)) for key in keys}
        return {key: vector for key, vector in found.items() if vector is not None}

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        for key, vector in vectors.items():
            self._vectors[(model, key)] = np.asarray(vector, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._vectors)


def embedding_key(text: str) -> str:
    """The cache key of a text to embed: SHA-256 of its exact UTF-8 bytes, so equal texts share one vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
