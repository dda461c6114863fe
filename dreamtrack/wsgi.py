import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamtrack.settings")
application = get_wsgi_application()

# Import the URLconf, and with it every view, now instead of on the first request; then
# leave everything loaded so far out of the cyclic garbage collector's full collections,
# which would otherwise walk these ~110,000 objects again every ~1,500 requests (a
# ~0.1 s pause each on the bench machine). See docs/decisions.md, "Garbage collection".
get_resolver().url_patterns  # noqa: B018 (loads the URLconf)
gc.freeze()
