"""What `make bench` measures: one Scenario per endpoint.

To add an endpoint, append a Scenario to SCENARIOS. Strings in `path`,
`headers` and `body` may use placeholders filled per bench user:

    {username} {password} {user_id} {access}   always available
    {anything}                                 returned by the scenario's setup()

A value that is exactly one placeholder ("{task_id}") keeps the type setup()
returned (an int stays an int in the JSON body).

`setup(user)` runs inside Django (bench/setup_data.py), once per bench user the
scenario uses, before the server starts. It must be idempotent (get_or_create):
the bench database is kept between runs. Import Django code inside the function,
because bench/run.py imports this module without Django.

`per_user=True` sends one request per bench user in rotation (different tokens,
different rows); otherwise every request is the first user's.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BENCH_PASSWORD = "bench-password-123"
BENCH_USERS = [f"bench{i}" for i in range(1, 9)]


@dataclass(frozen=True)
class Scenario:
    name: str  # for --only
    method: str
    path: str
    auth: bool = False  # adds "Authorization: Bearer {access}"
    headers: dict = field(default_factory=dict)
    body: Any = None  # dict/list is sent as JSON, str as is
    per_user: bool = False
    setup: Callable[[Any], dict] | None = None
    # A Lua file in bench/ that replaces bench/rotate.lua (it gets the same
    # `requests` table); for scenarios that must react to responses.
    lua: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


JSON = {"Content-Type": "application/json"}

SCENARIOS = [
    # The baseline every other figure is divided by: no database, no cache,
    # no authentication, just the WSGI stack. Always runs first.
    Scenario(name="healthz", method="GET", path="/healthz"),
    # JWT authentication + the profile read path.
    Scenario(name="me", method="GET", path="/api/v1/me/", auth=True, per_user=True),
    # Login: dominated by the password hasher (Argon2), on purpose.
    Scenario(
        name="token",
        method="POST",
        path="/api/v1/auth/token/",
        headers=JSON,
        body={"username": "{username}", "password": "{password}"},
    ),
]

BASELINE = "healthz"
