"""JSON written in pieces, for documents too long to hold in memory (`me/export/`)."""
import json
from collections.abc import Iterable, Iterator, Mapping

from django.core.serializers.json import DjangoJSONEncoder

_encoder = DjangoJSONEncoder()


def json_chunks(value) -> Iterator[str]:
    """The JSON text of `value`, piece by piece. Mappings and lists are written key by key and
    item by item; any other iterable (a generator, `QuerySet.iterator()`) is written as a JSON
    array as it is consumed, so a long history is never held whole. Other values go through
    Django's JSON encoder (dates, datetimes, decimals)."""
    if isinstance(value, Mapping):
        yield "{"
        for n, (key, item) in enumerate(value.items()):
            yield ("," if n else "") + json.dumps(str(key)) + ":"
            yield from json_chunks(item)
        yield "}"
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray):
        yield "["
        for n, item in enumerate(value):
            if n:
                yield ","
            yield from json_chunks(item)
        yield "]"
    else:
        yield _encoder.encode(value)
