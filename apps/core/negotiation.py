"""Content negotiation with a short path for what clients send almost always.

DRF's negotiation parses the `Accept` header and ranks its media types against
every renderer on each request. Nearly every request here asks for JSON in one
of a few spellings (no header, `*/*`, `application/json`) with JSON as the
first renderer; those get the answer DRF would give without the parsing. Any
other header, a `?format=` override or a format suffix goes through DRF's own
rules, unchanged (including 406 for what cannot be served).
"""
from rest_framework.negotiation import DefaultContentNegotiation

JSON = "application/json"
_SHORT = frozenset({None, "*/*", JSON})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            format_suffix is None
            and renderers
            and renderers[0].media_type == JSON
            and request.META.get("HTTP_ACCEPT") in _SHORT
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            # What DRF answers for these headers: the first renderer, as "application/json".
            return renderers[0], JSON
        return super().select_renderer(request, renderers, format_suffix)
