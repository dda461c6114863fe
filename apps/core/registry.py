"""Per-app extension points found by module name, so core imports no domain app.

An app opts in by having the module: `seed.py` (`run(stdout)`), `jobs.py`
(`run_daily(now)`), `account.py` (`export(user)`, `on_delete(user)`).
"""
import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every DreamTrack app with `apps/<app>/<name>.py`, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        module_name = f"{config.name}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        yield config.label, module
