"""A stub OpenAI-compatible server on 127.0.0.1, for tests of the real ChatOpenAI path over real HTTP.

Only the provider is fake: the openai client, langchain-openai, retries, timeouts, streaming and usage
accounting all run for real. Script the answers, consumed in order (the last one repeats):

    openai_stub.reply("Do three sets of ten squats.")          # a text answer
    openai_stub.reply_tool_call("search_exercises", {...})      # a tool call (also structured output)
    openai_stub.reply_raw('{"days": [')                         # content as given (e.g. broken JSON)
    openai_stub.fail(500)                                       # an HTTP error (429: a rate limit)
    openai_stub.hang(3.0)                                       # no answer before the client's timeout
    openai_stub.reply_body(b"<html>502</html>", "text/html")    # a 200 whose body is no completion
    openai_stub.refuse("I can't help with that.")               # OpenAI's refusal (no content)
    openai_stub.reply_out_of_bounds()                           # the asked-for shape, absurd values

`openai_stub.requests` holds every request body, `openai_stub.headers` their headers.
`closed_port_url()` is a base URL where nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROMPT_TOKENS = 120
COMPLETION_TOKENS = 30
DEFAULT_ANSWER = "Do three sets of ten squats."


@dataclass
class StubReply:
    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay_seconds: float = 0.0
    # a raw response body instead of a completion (with its content type)
    body: bytes | None = None
    content_type: str = "application/json"
    refusal: str | None = None
    # the requested structured output, with every number far out of any sensible range
    out_of_bounds: bool = False


class OpenAIStub:
    """The script of answers and what the stub was asked."""

    def __init__(self) -> None:
        self.script: list[StubReply] = [StubReply(content=DEFAULT_ANSWER)]
        self._scripted = False
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.base_url = ""
        self._lock = threading.Lock()
        self._last = self.script[0]

    def _add(self, reply: StubReply) -> OpenAIStub:
        with self._lock:
            if not self._scripted:
                self.script, self._scripted = [], True
            self.script.append(reply)
        return self

    def reply(self, text: str) -> OpenAIStub:
        return self._add(StubReply(content=text))

    def reply_raw(self, content: str) -> OpenAIStub:
        return self._add(StubReply(content=content))

    def reply_tool_call(self, name: str, args: dict[str, Any]) -> OpenAIStub:
        call = {"id": f"call_{len(self.script) + 1}", "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)}}  # fmt: skip
        return self._add(StubReply(tool_calls=[call]))

    def fail(self, status: int = 500) -> OpenAIStub:
        return self._add(StubReply(status=status))

    def hang(self, seconds: float) -> OpenAIStub:
        return self._add(StubReply(content=DEFAULT_ANSWER, delay_seconds=seconds))

    def reply_body(self, body: bytes, content_type: str = "application/json") -> OpenAIStub:
        return self._add(StubReply(body=body, content_type=content_type))

    def refuse(self, text: str = "I'm sorry, I can't help with that.") -> OpenAIStub:
        return self._add(StubReply(refusal=text))

    def reply_out_of_bounds(self) -> OpenAIStub:
        return self._add(StubReply(out_of_bounds=True))

    def next_reply(self) -> StubReply:
        with self._lock:
            if self.script:
                self._last = self.script.pop(0)
            return self._last

    @property
    def hits(self) -> int:
        return len(self.requests)


def usage() -> dict[str, int]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    }


OUT_OF_BOUNDS_NUMBER = 10**9


def absurd_instance(schema: dict[str, Any], definitions: dict[str, Any] | None = None) -> Any:
    """A value of the JSON schema's shape (every property, one item per array, the first enum
    value) whose numbers are all OUT_OF_BOUNDS_NUMBER: what a model that ignores the prompt's
    ranges would send."""
    definitions = definitions if definitions is not None else schema.get("$defs") or {}
    if "$ref" in schema:
        return absurd_instance(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [option for option in schema.get(key) or [] if option.get("type") != "null"]
        if options:
            return absurd_instance(options[0], definitions)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((item for item in kind if item != "null"), "string")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {name: absurd_instance(value, definitions) for name, value in properties.items()}
    if kind == "array":
        return [absurd_instance(schema.get("items") or {}, definitions)]
    if kind == "integer":
        return OUT_OF_BOUNDS_NUMBER
    if kind == "number":
        return float(OUT_OF_BOUNDS_NUMBER)
    if kind == "boolean":
        return True
    return "x"


def _out_of_bounds(body: dict[str, Any]) -> StubReply:
    """The requested structured output (response_format, else the tool named like a schema) filled
    with absurd values; plain text when the client asked for none."""
    schema = (body.get("response_format") or {}).get("json_schema") or {}
    if schema.get("schema"):
        return StubReply(content=json.dumps(absurd_instance(schema["schema"])))
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name", "")[:1].isupper():  # a pydantic model's name: the answer's tool
            arguments = json.dumps(absurd_instance(function.get("parameters") or {}))
            call = {
                "id": "call_absurd",
                "type": "function",
                "function": {"name": function["name"], "arguments": arguments},
            }
            return StubReply(tool_calls=[call])
    return StubReply(content=str(OUT_OF_BOUNDS_NUMBER))


def _as_response_format(body: dict[str, Any], reply: StubReply) -> StubReply:
    """A scripted call of the requested JSON schema's name becomes JSON content when the client asked
    for structured output through `response_format` (ChatOpenAI's default method) instead of tools."""
    schema = (body.get("response_format") or {}).get("json_schema") or {}
    for call in reply.tool_calls:
        if schema and call["function"]["name"] == schema.get("name"):
            return StubReply(content=call["function"]["arguments"])
    return reply


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        stub = self.server.stub
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stub.requests.append(body)
        stub.headers.append({name.lower(): value for name, value in self.headers.items()})
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": {"message": "not found"}})
            return
        reply = stub.next_reply()
        if reply.delay_seconds:
            time.sleep(reply.delay_seconds)
        if reply.status != 200:
            # a short server-directed delay keeps the client's retries fast
            error = {"error": {"message": "upstream exploded", "type": "server_error"}}
            self._send(reply.status, json.dumps(error).encode(), "application/json", {"retry-after-ms": "10"})
        elif reply.body is not None:
            self._send(200, reply.body, reply.content_type)
        else:
            reply = _out_of_bounds(body) if reply.out_of_bounds else _as_response_format(body, reply)
            try:
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, self._completion(body, reply))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    def _message(self, reply: StubReply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.refusal is not None:
            message["refusal"] = reply.refusal
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        return message

    def _completion(self, body: dict[str, Any], reply: StubReply) -> dict[str, Any]:
        finish = "tool_calls" if reply.tool_calls else "stop"
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body["model"],
            "choices": [{"index": 0, "message": self._message(reply), "finish_reason": finish}],
            "usage": usage(),
        }

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict[str, Any], reply: StubReply) -> None:
        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": 1_700_000_000,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }

        events = [chunk({"role": "assistant", "content": ""})]
        if reply.refusal is not None:
            events += [chunk({"refusal": reply.refusal}), chunk({}, "stop")]
        elif reply.tool_calls:
            calls = [dict(call, index=i) for i, call in enumerate(reply.tool_calls)]
            events += [chunk({"tool_calls": calls}), chunk({}, "tool_calls")]
        else:
            words = (reply.content or "").split(" ")
            events += [chunk({"content": word if i == 0 else f" {word}"}) for i, word in enumerate(words)]
            events.append(chunk({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            # as OpenAI does: a last chunk with no choices that carries the usage of the whole call
            events.append({**chunk({}), "choices": [], "usage": usage()})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for event in events:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    stub: OpenAIStub


@contextmanager
def running_stub_server() -> Iterator[StubServer]:
    server = StubServer(("127.0.0.1", 0), _Handler)
    server.stub = OpenAIStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """The base URL of a port nothing listens on: a connection there is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def fresh_stub(server: StubServer) -> OpenAIStub:
    """A new script on the running server, with its base URL."""
    stub = server.stub = OpenAIStub()
    host, port = server.server_address[:2]
    stub.base_url = f"http://{host!s}:{port}/v1"
    return stub
