"""JSON log lines: one object per line, the request fields when present, the exception when any."""

from __future__ import annotations

import json
import logging
import sys

from movoai.logging import JsonFormatter


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    log_record = logging.LogRecord("movoai.test", logging.WARNING, __file__, 1, message, args, None)
    log_record.__dict__.update(extra)
    return log_record


def test_a_plain_record_is_one_json_object():
    line = JsonFormatter().format(record("cache down: %s", "refused"))

    entry = json.loads(line)
    assert entry["message"] == "cache down: refused"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "movoai.test"
    assert "request_id" not in entry


def test_request_fields_are_kept_and_text_stays_readable():
    line = JsonFormatter().format(record("séance", request_id="abc", status=201, duration_ms=1.5, method="POST"))

    entry = json.loads(line)
    assert (entry["request_id"], entry["status"], entry["duration_ms"], entry["method"]) == ("abc", 201, 1.5, "POST")
    assert "séance" in line


def test_an_exception_stays_on_one_line():
    try:
        raise ValueError("boom\nwith a second line")
    except ValueError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()

    line = JsonFormatter().format(failed)

    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
