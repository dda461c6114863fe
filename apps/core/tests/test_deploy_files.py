"""docker-compose.yml and the Dockerfile: migrations once, nothing DEBUG on every interface."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_migrations_run_once_in_their_own_service_that_web_and_worker_wait_for():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        # Scaled web replicas starting together would race each other's migrations.
        assert "migrate" not in str(services[name].get("command", "")), name
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name


def test_the_stack_publishes_no_debug_server_on_every_interface():
    services = compose()["services"]
    for name in ("migrate", "web", "worker"):
        assert services[name]["environment"]["DEBUG"] == "0", name  # .env.example says DEBUG=1
    (published,) = services["web"]["ports"]
    assert published.startswith("${WEB_PUBLISH:-127.0.0.1:"), published


def test_the_image_starts_gunicorn_without_migrating():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = dockerfile[dockerfile.index("\nCMD ") :]
    assert "gunicorn" in cmd and "migrate" not in cmd


def test_env_example_lists_every_variable_the_settings_read():
    import re

    settings = (ROOT / "dreamtrack" / "settings.py").read_text()
    read = set(re.findall(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', settings))
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert len(read) > 20  # the pattern still finds them
    assert read - listed == set()
