"""Where the embedded PostgreSQL and Redis keep their data: in the project, or in a short folder of
/tmp when the project's path is too long for a Unix socket; MOVOAI_EMBEDDED_DIR wins."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from movoai import embedded

SUN_PATH_MAX = 108
TMP = Path("/tmp")  # noqa: S108 - the folder state_dir() falls back to
LONG_ROOT = Path("/srv/projects") / ("a-very-long-folder-name-" * 4) / "movoai"


@pytest.fixture(autouse=True)
def _no_configured_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOVOAI_EMBEDDED_DIR", raising=False)


@pytest.fixture
def short_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="mv-", dir=TMP))
    yield root
    shutil.rmtree(root)


@pytest.fixture
def made_in_tmp() -> Iterator[list[Path]]:
    """Folders state_dir() made in /tmp, removed after the test."""
    made: list[Path] = []
    yield made
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_short_project_keeps_its_data_inside(monkeypatch, short_root):
    monkeypatch.setattr(embedded, "PROJECT_ROOT", short_root)

    folder = embedded.state_dir()

    assert folder == short_root / ".embedded"
    assert folder.is_dir()


def test_a_long_project_path_falls_back_to_a_short_tmp_folder(monkeypatch, made_in_tmp):
    monkeypatch.setattr(embedded, "PROJECT_ROOT", LONG_ROOT)

    folder = embedded.state_dir()
    made_in_tmp.append(folder)

    assert folder.parent == TMP
    assert folder.name.startswith("movoai-")
    assert folder.is_dir()
    assert len(str(folder / "pgdata" / ".s.PGSQL.5432")) < SUN_PATH_MAX
    assert len(str(LONG_ROOT / ".embedded" / "pgdata" / ".s.PGSQL.5432")) > SUN_PATH_MAX - 20


def test_the_tmp_folder_is_stable_and_belongs_to_one_project(monkeypatch, made_in_tmp):
    monkeypatch.setattr(embedded, "PROJECT_ROOT", LONG_ROOT)
    first = embedded.state_dir()
    again = embedded.state_dir()
    monkeypatch.setattr(embedded, "PROJECT_ROOT", LONG_ROOT.with_name("another-checkout"))
    other = embedded.state_dir()
    made_in_tmp.extend([first, other])

    assert again == first
    assert other != first
    assert other.parent == TMP


def test_movoai_embedded_dir_wins(monkeypatch, tmp_path):
    configured = tmp_path / "embedded-state"
    monkeypatch.setenv("MOVOAI_EMBEDDED_DIR", str(configured))
    monkeypatch.setattr(embedded, "PROJECT_ROOT", LONG_ROOT)

    assert embedded.state_dir() == configured
    assert configured.is_dir()
