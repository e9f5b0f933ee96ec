"""Language negotiation and strict query parameters, shared by every public endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from movoai.api import accept_language, reject_unknown_params, request_language


def api_request(query: str = "", accept_language_header: str | None = None) -> Request:
    headers: dict[str, Any] = {} if accept_language_header is None else {"HTTP_ACCEPT_LANGUAGE": accept_language_header}
    return Request(APIRequestFactory().get(f"/api/v1/exercises?{query}", **headers))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr"),
        ("en;q=0.2, fr;q=0.8", "fr"),
        ("fr;q=0.5, en", "en"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,fr;q=0.4", "fr"),
        ("FR-ca", "fr"),
        ("de", "en"),
        ("*", "en"),
        ("", "en"),
        ("fr;q=abc", "en"),
        ("fr;q=0.7, en;q=0.7", "fr"),
        ("fr;q=0", "en"),
    ],
)
def test_accept_language_picks_the_preferred_supported_language(header, expected):
    assert accept_language(header) == expected


def test_lang_wins_over_accept_language():
    assert request_language(api_request("lang=en", "fr-FR,fr")) == "en"
    assert request_language(api_request("lang=FR")) == "fr"
    assert request_language(api_request("", "fr-FR,fr")) == "fr"
    assert request_language(api_request()) == "en"


def test_an_unsupported_lang_is_refused_by_name():
    with pytest.raises(ValidationError) as refused:
        request_language(api_request("lang=de"))

    assert isinstance(refused.value.detail, dict)
    assert list(refused.value.detail) == ["lang"]


def test_unknown_parameters_are_refused_by_name():
    with pytest.raises(ValidationError) as refused:
        reject_unknown_params(api_request("goal=strength&colour=red&size=9"), {"goal", "lang"})

    assert isinstance(refused.value.detail, dict)
    assert sorted(refused.value.detail) == ["colour", "size"]


def test_format_is_always_allowed():
    reject_unknown_params(api_request("format=json&goal=strength"), {"goal"})
