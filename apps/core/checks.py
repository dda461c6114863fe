"""System checks of the platform (registered in CoreConfig.ready)."""
from django.core import checks

from .staticfiles import static_manifest_missing


@checks.register(deploy=True)
def static_manifest_check(app_configs, **kwargs):
    # A deploy check, not one every command runs: collectstatic itself and the
    # commands that precede it in a deploy (migrate) must work without it.
    if static_manifest_missing():
        return [
            checks.Error(
                "The static files manifest (staticfiles.json in STATIC_ROOT) is missing or empty.",
                hint="Run `python manage.py collectstatic --noinput` before serving with DEBUG off; "
                "until then image URLs are unhashed and /readyz answers 503.",
                id="core.E001",
            )
        ]
    return []
