"""Static files in production: WhiteNoise's hashed, compressed files, without 500s.

The manifest storage raises `ValueError` for a name missing from
`staticfiles.json` (every name, when `collectstatic` was not run), and it
raised inside responses: every API response carrying an image URL, /swagger/
and /admin/, and register after its user had been committed. Here a missing
entry falls back to the unhashed URL (logged once per name) and the process
reports the problem where an operator looks instead:

- `manage.py check --deploy`: error `core.E001` (see apps/core/checks.py);
- `/readyz`: 503 with `"static_files": false`.
"""
import logging

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger("dreamtrack.static")


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    _reported: set[str] = set()

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            clean = self.clean_name(name)
            if clean not in self._reported:
                self._reported.add(clean)
                logger.error("static file %r is not in the manifest: run `manage.py collectstatic`", clean)
            return clean


def static_manifest_missing() -> bool:
    """True when the configured storage hashes names from a manifest this process has not got."""
    # The lazy storage proxies isinstance() and attributes to the configured one.
    return isinstance(staticfiles_storage, ManifestFilesMixin) and not staticfiles_storage.hashed_files
