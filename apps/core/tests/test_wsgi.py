"""The WSGI entry point gunicorn loads (dreamtrack/wsgi.py)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, sys
before = gc.get_freeze_count()
import dreamtrack.wsgi
from django.test import Client
view_modules = sorted(m for m in sys.modules if m.startswith("apps.") and m.endswith(".views"))
status = Client().get("/healthz").status_code
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "views": view_modules, "status": status}))
"""


def test_wsgi_module_loads_the_urlconf_and_freezes_what_it_loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dreamtrack.test_settings"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["before"] == 0
    # Django, DRF and every app's views, as loaded at import: tens of thousands of objects.
    assert found["frozen"] > 20_000
    assert "apps.tasks.views" in found["views"] and "apps.shop.views" in found["views"]
    # Frozen objects are only left out of collections: the application still serves.
    assert found["status"] == 200
