"""The OpenAPI schema's error answers: one `Problem` component (RFC 9457, movoai.errors) for every
4xx/5xx the API returns, and the statuses any /api operation can return documented on each.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):
- every documented 4xx/5xx answer is `application/problem+json` with the `Problem` schema (the
  views' own descriptions and examples are kept);
- every operation documents 400 (a query string that is not UTF-8 or holds a NUL byte, a bad query
  parameter), 429 (the per-IP rate limit) and 503 (the database, or a limiter that fails closed,
  unreachable); 401 wherever a bearer token is accepted (a bad or expired one is refused even where
  none is needed); 413 and 415 wherever a body is read.
Statuses that depend on the view (403, 404, 409) stay declared by the views, except the 404 of a
page past the last one, added to every paginated list.

drf-spectacular wraps the examples of a paginated list in a page of its own; ours are whole pages
already (real counts and links), so the extra page is taken off again.
"""

from __future__ import annotations

from typing import Any

from movoai.errors import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "RFC 9457 problem details: what went wrong, for people (`title`, `detail`) and for code "
        "(`type`, `status`, and `errors` naming each bad field)."
    ),
    "properties": {
        "type": {"type": "string", "format": "uri", "description": f"`{PROBLEM_BASE}<slug>`"},
        "title": {"type": "string", "description": "The kind of problem, the same for every instance."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
        "detail": {"type": "string", "description": "This instance, in words."},
        "errors": {
            "type": "object",
            "description": "Bad input: messages by field (`a.b.0` for nested fields).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": 'Always `Bearer realm="api"`.', "schema": {"type": "string"}}}

_COMMON: dict[str, str] = {
    "400": "Problem details: a bad query parameter (a bad value, or bytes that are not UTF-8 or hold a NUL byte).",
    "429": "Problem details: more requests this minute than the client's limit (`Retry-After` says when to retry).",
    "503": "Problem details: a service the request needs (the database) is unavailable; try again shortly.",
}
_WITH_TOKEN = {"401": "Problem details: a bearer token was sent but is bad, expired, revoked, or its user is gone."}
_WITH_BODY = {
    "400": "Problem details: a bad body (not JSON, not UTF-8, nested too deeply, or a bad field, named in `errors`).",
    "413": "Problem details: the body is larger than the server's limit.",
    "415": "Problem details: the body is not `application/json`.",
}
_PAST_THE_LAST_PAGE = "Problem details: `page` is past the last page (`Invalid page.`)."
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _is_paginated(response: dict[str, Any]) -> bool:
    refs = [media.get("schema", {}).get("$ref", "") for media in (response.get("content") or {}).values()]
    return any(ref.rsplit("/", 1)[-1].startswith("Paginated") for ref in refs)


def _unwrap_page_examples(response: dict[str, Any]) -> None:
    """An example value that is drf-spectacular's page around one of our pages: our page."""
    for media in (response.get("content") or {}).values():
        for example in (media.get("examples") or {}).values():
            value = example.get("value")
            if isinstance(value, dict) and isinstance(value.get("results"), list) and len(value["results"]) == 1:
                inner = value["results"][0]
                if isinstance(inner, dict) and {"count", "next", "previous", "results"} <= set(inner):
                    example["value"] = inner


def _takes_token(operation: dict[str, Any], schema: dict[str, Any]) -> bool:
    requirements = operation.get("security", schema.get("security", []))
    return any(requirement for requirement in requirements)


def _as_problem(response: dict[str, Any]) -> dict[str, Any]:
    """The response with its body documented as a problem, keeping its description and examples."""
    examples: dict[str, Any] = {}
    for media in (response.get("content") or {}).values():
        examples.update(media.get("examples") or {})
        if "example" in media and not examples:
            examples["Example"] = {"value": media["example"]}
    media_type: dict[str, Any] = {"schema": PROBLEM_REF}
    if examples:
        media_type["examples"] = examples
    return {**response, "content": {PROBLEM_CONTENT_TYPE: media_type}}


def postprocess_problems(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: the `Problem` component, used by every error answer of /api."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in path_item.items():
            if method not in _HTTP_METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            added = dict(_COMMON)
            if _takes_token(operation, result):
                added.update(_WITH_TOKEN)
            if "requestBody" in operation:
                added.update(_WITH_BODY)
            if _is_paginated(responses.get("200", {})):
                added["404"] = _PAST_THE_LAST_PAGE
                _unwrap_page_examples(responses["200"])
            for status, description in added.items():
                responses.setdefault(status, {"description": description})
            for status, response in list(responses.items()):
                if status.isdigit() and int(status) >= 400:
                    responses[status] = _as_problem(response)
            for status in ("429", "503"):
                responses[status].setdefault("headers", RETRY_AFTER)
            if "401" in responses:
                responses["401"].setdefault("headers", WWW_AUTHENTICATE)
            operation["responses"] = dict(sorted(responses.items()))
    return result
