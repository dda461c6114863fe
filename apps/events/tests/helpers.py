"""Reading Server-Sent Events in tests."""
import asyncio

from asgiref.sync import async_to_sync
from django.test import AsyncClient

STREAM = "/api/v1/events/stream/"


def parse_events(text: str) -> list[dict]:
    """The events of an SSE body: {"id", "event", "data"} per event; comments left out."""
    events = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            events.append(fields)
    return events


async def read_until(chunks, done, *, timeout: float = 5.0, text: str = "") -> str:
    """`text` plus the stream's chunks until `done(text)` holds (a TimeoutError if it never does)."""
    async with asyncio.timeout(timeout):
        while not done(text):
            chunk = await anext(chunks)
            text += chunk.decode() if isinstance(chunk, bytes) else chunk
    return text


def run_stream(scenario, *, path: str = STREAM, headers: dict | None = None):
    """Open `path` through the ASGI handler (Django's AsyncClient) and run
    `await scenario(response, chunks)`, `chunks` the body's async iterator (None for a
    response that is not streamed). Database work inside the scenario goes through
    `sync_to_async`, and so runs on the test's thread, in its transaction. The stream's
    generator is closed with its event loop, at the end (asgiref shuts async generators
    down as asyncio.run does)."""

    @async_to_sync
    async def run():
        response = await AsyncClient().get(path, headers=headers or {})
        chunks = response.streaming_content if response.streaming else None
        try:
            return await scenario(response, chunks)
        finally:
            if chunks is not None:
                await chunks.aclose()

    return run()
