"""Typed settings from the environment: a typo in a flag or a number stops the start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from movoai.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("MOVOAI_TEST_FLAG", raw)

    assert env_bool("MOVOAI_TEST_FLAG", not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("MOVOAI_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="MOVOAI_TEST_FLAG"):
        env_bool("MOVOAI_TEST_FLAG")


def test_env_int_reads_a_number_or_the_default(monkeypatch):
    monkeypatch.delenv("MOVOAI_TEST_NUMBER", raising=False)
    assert env_int("MOVOAI_TEST_NUMBER", 7) == 7
    monkeypatch.setenv("MOVOAI_TEST_NUMBER", " ")
    assert env_int("MOVOAI_TEST_NUMBER", 7) == 7
    monkeypatch.setenv("MOVOAI_TEST_NUMBER", "42")
    assert env_int("MOVOAI_TEST_NUMBER", 7) == 42


def test_env_int_refuses_a_word(monkeypatch):
    monkeypatch.setenv("MOVOAI_TEST_NUMBER", "forty")

    with pytest.raises(ImproperlyConfigured, match="MOVOAI_TEST_NUMBER"):
        env_int("MOVOAI_TEST_NUMBER", 7)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("MOVOAI_TEST_ORIGINS", "https://app.movoai.test, ,http://localhost:5173,")

    assert env_list("MOVOAI_TEST_ORIGINS") == ["https://app.movoai.test", "http://localhost:5173"]
    assert env_list("MOVOAI_TEST_UNSET_LIST", "a,b") == ["a", "b"]
    assert env_str("MOVOAI_TEST_UNSET_TEXT", "fallback") == "fallback"
