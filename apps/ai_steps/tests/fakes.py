"""Fake OpenRouters for the tests: a real HTTP server on 127.0.0.1 (http.server in a thread)
and httpx.MockTransport, both answering from one script of responses."""
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


def completion(content: str, *, usage: dict | None = None) -> dict:
    """A chat-completions answer whose message is `content`."""
    return {
        "id": "gen-test",
        "model": "test/model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": usage if usage is not None else {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
    }


def steps_completion(steps: list[dict], **kwargs) -> dict:
    return completion(json.dumps(steps), **kwargs)


def some_steps(n: int, prefix: str = "Step") -> list[dict]:
    levels = ["trivial", "easy", "medium", "hard"]
    return [{"title": f"{prefix} {i + 1}", "description": f"Do part {i + 1}.", "difficulty": levels[i % 4]} for i in range(n)]


class Script:
    """What the fake answers, in order; what it was sent."""

    def __init__(self):
        self.replies: deque = deque()
        self.requests: list[dict] = []  # {"path", "headers", "json"}

    def reply(self, status: int = 200, body=None, *, delay: float = 0.0) -> "Script":
        raw = body if isinstance(body, bytes | str) else json.dumps(body if body is not None else {})
        self.replies.append((status, raw.encode() if isinstance(raw, str) else raw, delay))
        return self

    def next_reply(self):
        if not self.replies:
            return 500, b'{"error": {"message": "the test scripted no more answers"}}', 0.0
        return self.replies.popleft()

    def record(self, path: str, headers: dict, body: bytes) -> None:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        self.requests.append({"path": path, "headers": {k.lower(): v for k, v in headers.items()}, "json": parsed})

    @property
    def user_messages(self) -> list[dict]:
        return [json.loads(r["json"]["messages"][1]["content"]) for r in self.requests]

    @property
    def system_prompts(self) -> list[str]:
        return [r["json"]["messages"][0]["content"] for r in self.requests]


class LocalServer:
    """A real HTTP server on 127.0.0.1 on a free port, serving `script` until stopped."""

    def __init__(self, script: Script):
        self.script = script
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.script.record(self.path, dict(self.headers), body)
                status, raw, delay = outer.script.next_reply()
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def start(self) -> "LocalServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def mock_transport(script: Script, *, timeout: float) -> httpx.MockTransport:
    """httpx's MockTransport answering from `script`; a reply slower than `timeout` raises
    the ReadTimeout httpx would raise."""

    def handler(request: httpx.Request) -> httpx.Response:
        script.record(request.url.path, dict(request.headers), request.read())
        status, raw, delay = script.next_reply()
        if delay >= timeout:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(status, content=raw, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)
