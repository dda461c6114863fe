"""The stream is served by uvicorn beside gunicorn (docker-compose.yml)."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_the_stack_serves_the_stream_with_uvicorn_waiting_for_migrations():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    events = services["events"]

    assert events["command"].startswith("uvicorn dreamtrack.asgi:application ")
    assert events["environment"]["DEBUG"] == "0"
    assert events["environment"]["REDIS_URL"] == services["web"]["environment"]["REDIS_URL"]
    assert events["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    (published,) = events["ports"]
    assert published.startswith("${EVENTS_PUBLISH:-127.0.0.1:"), published


def test_uvicorn_is_pinned():
    lines = (ROOT / "requirements.txt").read_text().splitlines()

    assert any(line.startswith("uvicorn==") for line in lines)
