"""Small helpers shared by the API views: language negotiation, strict query parameters,
pre-rendered JSON responses and the JSON parser of request bodies."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.http import HttpResponse
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


def request_language(request: Request) -> str:
    """`lang=en|fr`, else the first supported language of Accept-Language (by q), else English."""
    lang = request.query_params.get("lang")
    if lang is not None:
        lang = lang.strip().lower()
        if lang not in LANGUAGES:
            raise ValidationError({"lang": [f"Must be one of {', '.join(LANGUAGES)}, got {lang[:20]!r}."]})
        return lang
    return accept_language(request.headers.get("Accept-Language", ""))


def accept_language(header: str) -> str:
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        # q=0 means "not acceptable"; on equal q the earlier entry (processed first) wins.
        if q > 0 and q > best_q:
            best, best_q = primary, q
    return best


def reject_unknown_params(request: Request, allowed: Iterable[str]) -> None:
    """A misspelt filter must not be silently ignored: name it in a 400."""
    unknown = sorted(set(request.query_params) - set(allowed) - {"format"})
    if unknown:
        allowed_list = ", ".join(sorted(allowed))
        raise ValidationError({name: [f"Unknown query parameter. Allowed: {allowed_list}."] for name in unknown})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity refused), answering a 400 that says what is wrong where
    DRF's would crash or be cryptic: a body that is not UTF-8, JSON nested past Python's recursion
    limit (a RecursionError, else a 500)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        body = stream.read()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"The request body is not valid {encoding.upper()}: bad byte at {exc.start}.") from exc
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


def render_json(data: Any) -> bytes:
    return bytes(JSONRenderer().render(data))


def json_response(body: bytes, *, lang: str | None = None, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    if lang:
        response["Content-Language"] = lang
        response["Vary"] = "Accept-Language"
    return response


class StrictSerializer(serializers.Serializer[Any]):
    """An input serializer that names unknown fields in a 400 instead of dropping them silently."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class TextUUIDField(serializers.UUIDField):
    """A UUID sent as text, as JSON clients send one. DRF's UUIDField also takes an integer and
    makes a UUID of it, which would store a client's mistaken `"id": 12` under
    00000000-0000-0000-0000-00000000000c: that is a 400 naming the field instead."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
