"""The security sweep: every operation of the Swagger document, with two users.

The operations come from the schema itself (`operations()`), so an endpoint added later is
swept without touching this file; an `{id}` route whose resource has no owner fixture in
`OWNED` (or reason in `NOT_OWNED`) fails the sweep until it gets one. docs/security.md maps
these tests (and the older ones they stand beside) to the OWASP API Security Top 10.
"""
import base64
import functools
import json
import re
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import FileField
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_yasg.codecs import OpenAPICodecJson
from drf_yasg.generators import OpenAPISchemaGenerator
from rest_framework.test import APIClient

from apps.accounts.services import tokens_for
from apps.core.images import ImageUploadField, validate_image
from apps.core.schema import API_INFO
from conftest import client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
# The contract's endpoints that answer without a token (Conventions, Auth): the rest need one.
# `events/stream/` is not here: it takes a token or a one-use `?ticket=`, and without either
# it is 401 like the rest.
PUBLIC = {
    ("post", "/auth/register/"),
    ("post", "/auth/token/"),
    ("post", "/auth/token/refresh/"),
    ("post", "/donations/webhook/"),  # authenticated by its HMAC signature instead
}
# What no response may contain: a traceback, SQL, a driver's or the framework's internals.
LEAKS = re.compile(r"Traceback|File \"|\bSELECT\b|\bINSERT INTO\b|psycopg|sqlite3|django\.db|IntegrityError|/site-packages/")


@functools.cache
def schema() -> dict:
    generated = OpenAPISchemaGenerator(info=API_INFO).get_schema(request=None, public=True)
    return json.loads(OpenAPICodecJson(validators=[]).encode(generated))


def operations():
    """(method, path template, operation) for every documented operation."""
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, operation


def resource(path: str) -> str:
    """The part of a path before its first parameter: "/tasks/{id}/complete/" -> "/tasks/"."""
    return path.split("{", 1)[0]


def resolve_ref(node: dict) -> dict:
    while "$ref" in node:
        node = schema()["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def example(node: dict):
    """A minimal valid value of a schema: its required fields only, each at its simplest."""
    node = resolve_ref(node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {name: example(props[name]) for name in node.get("required", []) if name in props}
    if kind == "array":
        return [example(node["items"])] * max(node.get("minItems", 1), 1)
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return date.today().isoformat()
    if node.get("format") == "date-time":
        return timezone.now().isoformat()
    return "x" * max(node.get("minLength", 1), 1)


def body_schema(operation: dict) -> dict | None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "body":
            return resolve_ref(parameter["schema"])
    return None


def call(client, method: str, path: str, ids: dict[str, int] | int, *, body=None, **extra):
    """Send one operation with its path parameters filled in (`ids` by name, or one for all)."""
    url = BASE + re.sub(r"\{(\w+)\}", lambda m: str(ids if isinstance(ids, int) else ids[m.group(1)]), path)
    if body is None and method in ("post", "put", "patch"):
        operation = schema()["paths"][path][method]
        found = body_schema(operation)
        body = example(found) if found else {}
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    response = getattr(client, method)(url, data=body, content_type="application/json", **extra)
    text = b"".join(response.streaming_content).decode(errors="replace") if response.streaming else response.content.decode(errors="replace")
    assert not LEAKS.search(text), f"{method.upper()} {url} leaks internals: {text[:500]}"
    return response


def code_of(response) -> str | None:
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None


# --- who may call what ---------------------------------------------------------------------

def test_the_sweep_sees_the_contract_s_endpoints():
    swept = {(m, p) for m, p, _ in operations()}
    for expected in [("post", "/tasks/{id}/complete/"), ("patch", "/me/"), ("get", "/ai/jobs/{id}/"), ("post", "/auth/token/")]:
        assert expected in swept
    assert len(swept) > 40


def test_no_endpoint_but_the_contract_s_public_ones_answers_without_a_token(db):
    anonymous = APIClient()
    checked = 0
    for method, path, _ in operations():
        if (method, path) in PUBLIC:
            continue
        response = call(anonymous, method, path, 1)
        assert response.status_code == 401, f"{method.upper()} {path} without a token: {response.status_code}"
        assert code_of(response) == "not_authenticated", (method, path, response.content[:200])
        checked += 1
    assert checked > 35


def test_the_public_endpoints_are_exactly_the_contract_s(db):
    """Each public operation answers something other than 401 without a token (a 400 for the
    empty body, a 401 for a bad signature is its own check), so none was left open by accident
    and the list above is not longer than what exists."""
    documented = {(m, p) for m, p, _ in operations()}
    for method, path in PUBLIC & documented:
        response = call(APIClient(), method, path, 1, body={})
        if path == "/donations/webhook/":
            # Its own authentication: the HMAC signature (503 when no secret is configured).
            assert code_of(response) in ("invalid_signature", "service_unavailable"), response.content
        else:
            assert response.status_code != 401 or code_of(response) != "not_authenticated", path


# --- BOLA: someone else's object is a 404 everywhere -----------------------------------------

def _bob_s_task(bob, carol):
    from apps.tasks.services import task_create

    return task_create(user=bob, title="Bob's task").pk


def _bob_s_habit(bob, carol):
    from apps.habits.services import habit_create

    return habit_create(user=bob, title="Bob's habit", kind="build").pk


def _bob_s_dream(bob, carol):
    from apps.dreams.services import dream_create

    return dream_create(user=bob, title="Bob's dream").pk


def _bob_s_inventory_row(bob, carol):
    from apps.shop.services import item_purchase
    from apps.shop.tests.factories import BoostFactory, fund

    fund(bob, coins=500)
    return item_purchase(user=bob, item_id=BoostFactory().pk, currency="coins", quantity=2).inventory_item.pk


def _bob_s_ai_job(bob, carol):
    from apps.ai_steps.models import StepGenerationJob
    from apps.dreams.services import dream_create

    return StepGenerationJob.objects.create(user=bob, dream=dream_create(user=bob, title="Bob's AI dream")).pk


def _bob_s_friend_request(bob, carol):
    FriendRequest = apps.get_model("friends", "FriendRequest")
    return FriendRequest.objects.create(from_user=bob, to_user=carol).pk


def _bob_s_friend(bob, carol):
    """`friends/{user_id}/`: Carol is Bob's friend, not Alice's."""
    Friendship = apps.get_model("friends", "Friendship")
    Friendship.objects.create(user=bob, friend=carol)
    Friendship.objects.create(user=carol, friend=bob)
    return carol.pk


def _bob_s_trade(bob, carol):
    Trade = apps.get_model("trades", "Trade")
    now = timezone.now()
    return Trade.objects.create(requester=bob, recipient=carol, requested_coins=1, created_at=now, expires_at=now + timedelta(hours=72)).pk


def _bob_s_notification(bob, carol):
    Notification = apps.get_model("notifications", "Notification")
    return Notification.objects.create(user=bob, kind="friend_request", payload={}).pk


# The resource of every `{id}` route -> a maker of an object of Bob's (Carol is a third user).
OWNED = {
    "/tasks/": _bob_s_task,
    "/habits/": _bob_s_habit,
    "/dreams/": _bob_s_dream,
    "/inventory/": _bob_s_inventory_row,
    "/ai/jobs/": _bob_s_ai_job,
    "/friends/requests/": _bob_s_friend_request,
    "/friends/": _bob_s_friend,
    "/trades/": _bob_s_trade,
    "/notifications/": _bob_s_notification,
}
# `{id}` routes that are not about something a user owns.
NOT_OWNED = {
    "/shop/items/": "the catalog is the same for everyone",
    "/users/": "public profiles (contract: users/{id}/); block acts on a user, not on something of theirs",
}


def bob_snapshot(bob) -> dict:
    """What any of Alice's requests must leave as it was."""
    from apps.inventory.models import InventoryItem
    from apps.wallet.models import LedgerEntry, Wallet

    state = {
        "wallet": list(Wallet.objects.filter(user=bob).values_list("xp", "coins", "crystals")),
        "ledger": LedgerEntry.objects.filter(user=bob).count(),
        "inventory": sorted(InventoryItem.objects.filter(user=bob).values_list("id", "quantity", "equipped", "locked_quantity")),
    }
    # Every row of Bob's in every model that points at its owner, as it is.
    for model in apps.get_models():
        for owner in ("user", "requester", "from_user"):
            try:
                owner_field = model._meta.get_field(owner)
            except FieldDoesNotExist:
                continue
            if owner_field.is_relation and owner_field.related_model is get_user_model():
                rows = model.objects.filter(**{owner: bob}).values()
                state[f"{model._meta.label}.{owner}"] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    return state


def test_someone_else_s_objects_are_404_on_every_route_and_stay_untouched(make_user, settings):
    # With no key configured step generation is 503 for any dream: configure one (never called).
    settings.OPENROUTER_API_KEY = "not-a-real-key"
    settings.OPENROUTER_BASE_URL = "http://127.0.0.1:9/api/v1"
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    from apps.shop.tests.factories import fund

    fund(alice, coins=500, xp=300)
    routes = [(m, p, o) for m, p, o in operations() if "{" in p]
    unknown = sorted({resource(p) for _, p, _ in routes} - set(OWNED) - set(NOT_OWNED))
    assert not unknown, f"{{id}} routes without an owner fixture in OWNED (or a reason in NOT_OWNED): {unknown}"
    ids = {prefix: maker(bob, carol) for prefix, maker in OWNED.items() if any(resource(p) == prefix for _, p, _ in routes)}
    before = bob_snapshot(bob)
    client = client_for(alice)
    checked = []
    for method, path, _ in routes:
        prefix = resource(path)
        if prefix in NOT_OWNED:
            continue
        response = call(client, method, path, ids[prefix])
        assert response.status_code == 404, f"{method.upper()} {path} on Bob's object as Alice: {response.status_code} {response.content[:300]}"
        assert code_of(response) == "not_found", (method, path)
        checked.append((method, path))
    assert len(checked) >= 20
    assert bob_snapshot(bob) == before


def test_the_same_routes_work_for_the_owner(make_user):
    """The control of the BOLA sweep: Bob reads his own objects (so 404 above means "not yours")."""
    bob, carol = make_user("bob"), make_user("carol")
    client = client_for(bob)
    for prefix, maker in OWNED.items():
        gets = [p for m, p, _ in operations() if m == "get" and resource(p) == prefix and p.endswith("}/")]
        if not gets:
            continue
        response = call(client, "get", gets[0], maker(bob, carol))
        assert response.status_code == 200, (prefix, response.status_code, response.content[:300])


# --- mass assignment: writable fields are exactly the contract's -----------------------------

# Request-body fields that would hand out value or ownership; allowed only where the contract says.
SENSITIVE = {"user", "user_id", "owner", "xp", "coins", "crystals", "level", "is_staff", "is_superuser", "is_active",
             "balance", "balance_after", "completed_at", "unlocked", "escrow_coins", "locked_quantity", "quantity_after"}
SENSITIVE_ALLOWED = {
    ("post", "/donations/webhook/"): {"user_id", "crystals"},  # signed by the payment provider (HMAC)
    ("post", "/friends/requests/"): {"user_id"},  # whom to befriend (contract: {username | user_id})
}


def test_no_request_body_offers_value_or_ownership_fields():
    found = {}
    for method, path, operation in operations():
        body = body_schema(operation)
        if not body:
            continue
        names = set(body.get("properties", {})) & SENSITIVE
        names -= SENSITIVE_ALLOWED.get((method, path), set())
        if names:
            found[f"{method.upper()} {path}"] = sorted(names)
    assert not found


def test_no_request_body_takes_a_url():
    """SSRF: the server fetches nothing a client names, so no input field is a URL."""
    def url_fields(node, where):
        node = resolve_ref(node)
        for name, prop in node.get("properties", {}).items():
            prop = resolve_ref(prop)
            if prop.get("format") in ("uri", "url") or name.endswith(("url", "uri", "_link", "webhook")):
                yield f"{where}.{name}"
            yield from url_fields(prop, f"{where}.{name}")
            if prop.get("type") == "array":
                yield from url_fields(prop.get("items", {}), f"{where}.{name}[]")

    found = [f for method, path, operation in operations() if (body := body_schema(operation))
             for f in url_fields(body, f"{method.upper()} {path}")]
    assert not found


def test_me_patch_writes_only_the_contract_s_fields(make_user):
    from apps.wallet.models import Wallet

    alice = make_user("alice")
    response = call(client_for(alice), "patch", "/me/", 0, body={
        "display_name": "Alice A", "xp": 99999, "coins": 99999, "crystals": 999, "level": 50, "is_staff": True,
        "is_superuser": True, "is_active": False, "username": "root", "id": 1, "password": "x", "streak": {"current": 99},
    })
    assert response.status_code in (200, 400)
    alice.refresh_from_db()
    wallet = Wallet.objects.get(user=alice)
    assert (wallet.xp, wallet.coins, wallet.crystals) == (0, 0, 0)
    assert (alice.is_staff, alice.is_superuser, alice.is_active, alice.username) == (False, False, True, "alice")
    assert alice.check_password("s3cret-Passw0rd!")
    if response.status_code == 200:  # the contract: anything else sent is ignored
        assert alice.display_name == "Alice A"
        assert response.json()["coins"] == 0


def test_a_new_task_takes_no_owner_status_or_completion_from_the_body(make_user):
    from apps.tasks.models import Task
    from apps.wallet.models import Wallet

    alice, bob = make_user("alice"), make_user("bob")
    response = call(client_for(alice), "post", "/tasks/", 0, body={
        "title": "Mine", "user": bob.pk, "user_id": bob.pk, "status": "completed",
        "completed_at": "2026-01-01T00:00:00Z", "id": 424242, "created_at": "2020-01-01T00:00:00Z",
    })
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        task = Task.objects.get(pk=response.json()["id"])
        assert (task.user_id, task.status, task.completed_at) == (alice.pk, "open", None)
        assert task.pk != 424242 and task.created_at.year != 2020
    assert not Task.objects.filter(user=bob).exists()
    assert Wallet.objects.get(user=alice).xp == 0


def test_a_task_edit_cannot_complete_it_or_move_it(make_user):
    from apps.tasks.services import task_create
    from apps.wallet.models import LedgerEntry

    alice, bob = make_user("alice"), make_user("bob")
    task = task_create(user=alice, title="Mine")
    response = call(client_for(alice), "patch", "/tasks/{id}/", task.pk, body={
        "status": "completed", "completed_at": "2026-01-01T00:00:00Z", "user": bob.pk})
    assert response.status_code in (200, 400)
    task.refresh_from_db()
    assert (task.user_id, task.status, task.completed_at) == (alice.pk, "open", None)
    assert not LedgerEntry.objects.filter(user=alice).exists()


def test_a_new_dream_or_habit_takes_no_owner_or_state_from_the_body(make_user):
    from apps.dreams.models import Dream
    from apps.habits.models import Habit

    alice, bob = make_user("alice"), make_user("bob")
    client = client_for(alice)
    dream = call(client, "post", "/dreams/", 0, body={"title": "Fly", "user": bob.pk, "status": "completed",
                                                       "progress": {"percent": 100}})
    habit = call(client, "post", "/habits/", 0, body={"title": "Run", "kind": "build", "user": bob.pk,
                                                       "metrics": {"total_check_ins": 99}, "streak_current": 50})
    assert dream.status_code in (201, 400) and habit.status_code in (201, 400)
    assert not Dream.objects.filter(user=bob).exists() and not Habit.objects.filter(user=bob).exists()
    assert all(d.status == "active" for d in Dream.objects.filter(user=alice))
    assert all(h.streak_current == 0 for h in Habit.objects.filter(user=alice))


# --- tokens ----------------------------------------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _signing():
    jwt_settings = settings.SIMPLE_JWT
    return jwt_settings.get("SIGNING_KEY") or settings.SECRET_KEY, jwt_settings.get("ALGORITHM", "HS256")


def _me(token: str):
    return APIClient().get(f"{BASE}/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_well_signed_token_works(user):
    """The control: the forgeries below differ from this one only where they say."""
    key, algorithm = _signing()
    claims = _claims(tokens_for(user)["access"])
    assert _me(jwt.encode(claims, key, algorithm=algorithm)).status_code == 200


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the hs512 forgery: the server's key, the wrong algorithm
@pytest.mark.parametrize("forgery", ["alg_none", "alg_none_signed", "other_key", "expired", "not_yet_valid",
                                     "other_user_same_signature", "hs512", "no_exp", "no_type"])
def test_forged_tokens_are_refused(make_user, forgery):
    alice, bob = make_user("alice"), make_user("bob")
    key, algorithm = _signing()
    token = tokens_for(alice)["access"]
    claims = _claims(token)
    now = int(datetime.now(UTC).timestamp())
    if forgery == "alg_none":
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    elif forgery == "alg_none_signed":
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.{token.rsplit('.', 1)[1]}"
    elif forgery == "other_key":
        forged = jwt.encode(claims, "another-key-0123456789-0123456789-0123456789", algorithm=algorithm)
    elif forgery == "expired":
        forged = jwt.encode({**claims, "iat": now - 3600, "exp": now - 60}, key, algorithm=algorithm)
    elif forgery == "not_yet_valid":
        forged = jwt.encode({**claims, "nbf": now + 3600}, key, algorithm=algorithm)
    elif forgery == "other_user_same_signature":  # Alice's signature on a payload naming Bob
        header, _, signature = token.split(".")
        forged = f"{header}.{_b64({**claims, 'user_id': bob.pk})}.{signature}"
    elif forgery == "hs512":  # the right key, an algorithm the server does not use
        forged = jwt.encode(claims, key, algorithm="HS512")
    elif forgery == "no_exp":
        forged = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, algorithm=algorithm)
    else:
        forged = jwt.encode({k: v for k, v in claims.items() if k != "token_type"}, key, algorithm=algorithm)
    response = _me(forged)
    assert response.status_code == 401, (forgery, response.content)
    assert code_of(response) in ("token_not_valid", "not_authenticated")


def test_a_blacklisted_or_rotated_refresh_token_is_refused(user):
    client = APIClient()
    first = tokens_for(user)["refresh"]
    rotated = client.post(f"{BASE}/auth/token/refresh/", {"refresh": first}, format="json")
    assert rotated.status_code == 200
    again = client.post(f"{BASE}/auth/token/refresh/", {"refresh": first}, format="json")
    assert again.status_code == 401 and code_of(again) == "token_not_valid"
    second = rotated.json()["refresh"]
    access = rotated.json()["access"]
    out = client.post(f"{BASE}/auth/logout/", {"refresh": second}, format="json", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert out.status_code == 204
    after = client.post(f"{BASE}/auth/token/refresh/", {"refresh": second}, format="json")
    assert after.status_code == 401 and code_of(after) == "token_not_valid"


def test_an_expired_refresh_token_is_refused(user):
    key, algorithm = _signing()
    claims = _claims(tokens_for(user)["refresh"])
    now = int(datetime.now(UTC).timestamp())
    expired = jwt.encode({**claims, "exp": now - 60}, key, algorithm=algorithm)
    response = APIClient().post(f"{BASE}/auth/token/refresh/", {"refresh": expired}, format="json")
    assert response.status_code == 401


# --- sizes, rate limits, uploads, admin -----------------------------------------------------------

def test_every_body_over_the_limit_is_413_before_anything_happens(make_user):
    from apps.wallet.models import LedgerEntry

    alice = make_user("alice")
    client = client_for(alice)
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    refused = []
    for method, path, _ in operations():
        if method not in ("post", "put", "patch") or (method, path) in PUBLIC - {("post", "/auth/register/"), ("post", "/auth/token/")}:
            continue
        body = json.dumps({"padding": filler})
        response = call(client, method, path, 1, body=body)
        if response.status_code != 413 or code_of(response) != "request_too_large":
            refused.append(f"{method.upper()} {path}: {response.status_code} {code_of(response)}")
    assert not refused, refused
    assert not LedgerEntry.objects.filter(user=alice).exists()


def api_views():
    """(route, view class, initkwargs, actions) of every DRF view in the URL conf."""
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is not None and route.startswith("api/"):
            yield route, cls, getattr(callback, "initkwargs", {}), getattr(callback, "actions", None) or {}


def test_every_api_view_is_rate_limited():
    from apps.core.throttling import AnonBurstThrottle, UserBurstThrottle

    missing, scopes = [], {}
    for route, cls, initkwargs, actions in api_views():
        view = cls(**initkwargs)
        for action in actions.values() or [None]:
            view.action = action
            kinds = {type(t) for t in view.get_throttles()}
            per_ip = any(issubclass(k, AnonBurstThrottle) for k in kinds)
            # A view without authentication (the signed webhook) has no user to count.
            per_user = not view.authentication_classes or any(issubclass(k, UserBurstThrottle) for k in kinds)
            if not (per_ip and per_user):
                missing.append(f"{route} ({action})")
        scopes[route] = initkwargs.get("throttle_scope", getattr(cls, "throttle_scope", None))
    assert not missing, f"views without the per-IP and per-user limits: {missing}"
    # The contract's `spend` scope: purchase, spin and (when present) trade creation.
    spend_routes = [r for r in scopes if r.endswith("/purchase/$") or r.endswith("roulette/spin/$")]
    assert len(spend_routes) == 2
    assert all(scopes[r] == "spend" for r in spend_routes), {r: scopes[r] for r in spend_routes}


# The contract's `spend` operations (Operations: purchase, trade, spin), those that exist.
SPEND = {("post", "/shop/items/{id}/purchase/"), ("post", "/roulette/spin/"), ("post", "/trades/"),
         ("post", "/trades/{id}/accept/")}


def test_each_spend_operation_counts_in_the_spend_limit(make_user, monkeypatch):
    """With `spend` at 1 a minute, the second call of each spend operation is 429 (whatever the
    first answered: the throttle runs before the view), and each has its own user's bucket."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "1000/min", "user": "1000/min", "login": "1000/min", "spend": "1/min", "ai": "1000/hour"})
    present = [(m, p) for m, p, _ in operations() if (m, p) in SPEND]
    assert len(present) >= 2
    for n, (method, path) in enumerate(present):
        client = client_for(make_user(f"spender{n}"))
        call(client, method, path, 1)
        second = call(client, method, path, 1)
        assert second.status_code == 429 and code_of(second) == "throttled", (method, path, second.status_code)


def test_login_and_register_share_the_login_limit():
    scopes = {route: initkwargs.get("throttle_scope", getattr(cls, "throttle_scope", None))
              for route, cls, initkwargs, _ in api_views()}
    assert scopes["api/v1/auth/token/"] == "login"
    assert scopes["api/v1/auth/register/"] == "login"


def test_the_api_parses_json_only():
    """No endpoint takes multipart or form data, so nothing reaches the API as an uploaded file."""
    for route, cls, initkwargs, _ in api_views():
        media = {p.media_type for p in cls(**initkwargs).get_parsers()}
        assert media <= {"application/json"}, (route, media)


def test_every_uploaded_file_is_checked_by_content(make_user, rf):
    """Uploads exist only in the admin (item images, achievement icons): each file field is
    validated by apps.core.images (decoded with Pillow, format, size and pixels), by its model
    field's validators or by the admin form's ImageUploadField."""
    request = rf.get("/admin/")
    request.user = make_user("boss")
    request.user.is_staff = request.user.is_superuser = True
    unchecked, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        file_fields = [f for f in model._meta.get_fields() if isinstance(f, FileField)]
        if not file_fields:
            continue
        form_fields = model_admin.get_form(request).base_fields
        for model_field in file_fields:
            checked += 1
            by_model = validate_image in model_field.validators
            by_form = isinstance(form_fields.get(model_field.name), ImageUploadField)
            if not (by_model or by_form):
                unchecked.append(f"{model._meta.label}.{model_field.name}")
    assert checked >= 2 and not unchecked, unchecked


def test_the_admin_is_for_staff_only(make_user, client):
    player = make_user("player", password="s3cret-Passw0rd!")
    refused = client.post("/admin/login/", {"username": "player", "password": "s3cret-Passw0rd!", "next": "/admin/"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session  # the form again, not logged in
    client.force_login(player)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert client.get("/admin/").status_code == 302


# --- excessive data exposure: what another user may see -----------------------------------------

PUBLIC_PROFILE = {"id", "username", "display_name", "level", "avatar", "icon", "background", "streak_current"}


def test_another_user_s_profile_shows_only_the_contract_s_public_fields(make_user):
    alice, bob = make_user("alice"), make_user("bob", email="bob-private@example.com")
    client = client_for(alice)
    one = client.get(f"{BASE}/users/{bob.pk}/")
    found = client.get(f"{BASE}/users/", {"search": "bo"})
    assert one.status_code == 200 and found.status_code == 200
    listed = [row for row in found.json()["results"] if row["id"] == bob.pk]
    assert listed and set(listed[0]) <= PUBLIC_PROFILE
    assert set(one.json()) <= PUBLIC_PROFILE and {"id", "username"} <= set(one.json())
    assert "bob-private" not in one.content.decode() + found.content.decode()
