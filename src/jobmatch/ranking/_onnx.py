"""The ONNX Runtime path: the model exported once (offline, from its local directory), then run without torch.

The export lives under `Settings.home/onnx/`; after it exists, embedding imports only onnxruntime and tokenizers,
which start in a fraction of the time torch and sentence-transformers take. "onnx-int8" is dynamically quantised.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from jobmatch.config import Settings

_export_lock = threading.Lock()


class OnnxEncoder:
    """Mean-pooled sentence embeddings from an exported BERT-style encoder."""

    def __init__(self, model_file: Path, tokenizer_file: Path, max_tokens: int, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {item.name for item in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        self.max_seq_length = max_tokens

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        batch = self.tokenizer.encode_batch(texts)
        ids = np.array([item.ids for item in batch], dtype=np.int64)
        mask = np.array([item.attention_mask for item in batch], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def load_onnx(settings: Settings, model_dir: str) -> OnnxEncoder:
    """An ONNX encoder for `model_dir`, exporting (and quantising) it first if this machine has no export yet."""
    folder = Path(model_dir)
    if not (folder / "tokenizer.json").exists():
        raise ValueError(f"the ONNX backend needs a local model directory with tokenizer.json, got {model_dir!r}")
    target = _export_dir(settings, folder)
    quantised = settings.embed_backend == "onnx-int8"
    model_file = target / ("model_int8.onnx" if quantised else "model.onnx")
    with _export_lock:
        if not (target / "model.onnx").exists():
            _export(folder, target)
        if quantised and not model_file.exists():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            partial = model_file.with_suffix(".partial.onnx")
            quantize_dynamic(str(target / "model.onnx"), str(partial), weight_type=QuantType.QInt8)
            partial.replace(model_file)
    return OnnxEncoder(model_file, folder / "tokenizer.json", settings.embed_max_tokens)


def _export_dir(settings: Settings, folder: Path) -> Path:
    # Keyed by the weights' identity so a changed model directory gets a fresh export.
    weights = next(
        (folder / name for name in ("model.safetensors", "pytorch_model.bin") if (folder / name).exists()), folder
    )
    stat = weights.stat()
    digest = hashlib.sha256(f"{folder.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return settings.home / "onnx" / digest


def _export(folder: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    class Wrapped(torch.nn.Module):
        # Keyword arguments only: the positional order of BertModel.forward differs between transformers versions.
        def __init__(self) -> None:
            super().__init__()
            self.inner = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.mkdir(parents=True, exist_ok=True)
    model = Wrapped().eval()
    sample = {
        "input_ids": torch.ones((2, 16), dtype=torch.long),
        "attention_mask": torch.ones((2, 16), dtype=torch.long),
        "token_type_ids": torch.zeros((2, 16), dtype=torch.long),
    }
    axes = {0: "batch", 1: "tokens"}
    partial = target / "model.partial.onnx"
    with torch.inference_mode():
        torch.onnx.export(
            model,
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(partial),
            input_names=list(sample),
            output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in [*sample, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target / "model.onnx")
    (target / "source.json").write_text(json.dumps({"model_dir": str(folder)}))
