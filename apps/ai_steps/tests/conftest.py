import pytest
from django.test import override_settings

from apps.ai_steps import openrouter

from .fakes import LocalServer, Script, mock_transport

API_KEY = "sk-or-test-0123456789-very-secret"
TIMEOUT = 0.5


@pytest.fixture(params=["local_server", "mock_transport"])
def fake_openrouter(request, monkeypatch):
    """A scripted OpenRouter, once as a real HTTP server on 127.0.0.1 and once as httpx's
    MockTransport. Retries wait 0 s; the timeout is short."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    script = Script()
    server = None
    if request.param == "local_server":
        server = LocalServer(script).start()
        base_url = server.base_url
    else:
        base_url = "https://openrouter.test.invalid/api/v1"  # never resolved: the transport answers
        monkeypatch.setattr(openrouter, "transport", mock_transport(script, timeout=TIMEOUT))
    with override_settings(
        OPENROUTER_API_KEY=API_KEY,
        OPENROUTER_BASE_URL=base_url,
        OPENROUTER_TIMEOUT=TIMEOUT,
        OPENROUTER_MODEL="test/model",
        AI_RETRY_BACKOFF_SECONDS=0,
    ):
        yield script
    if server is not None:
        server.stop()
