"""The API documents: a valid Swagger 2.0 document listing every /api/v1/ route, and the UIs."""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV2SpecValidator

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def swagger(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        r = Client().get("/swagger.json")
    assert r.status_code == 200, r.content[:500]
    assert r["Content-Type"].startswith("application/json")
    return r.json()


def _walk(patterns, prefix=""):
    """(route, URLPattern) for every leaf pattern, with the prefixes of its resolvers."""
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def _swagger_path(route: str) -> str:
    """`users/(?P<pk>[^/.]+)/$` or `users/<int:pk>/` -> `/users/{id}/` (drf-yasg names a pk `id`)."""
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route[len(API_PREFIX):].replace("{pk}", "{id}")


def _methods(pattern: URLPattern) -> set[str]:
    """The methods the view really answers (a method left out of `http_method_names` is a 405)."""
    callback = pattern.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return set()
    allowed = HTTP_METHODS & set(view.http_method_names)
    actions = getattr(callback, "actions", None)
    if actions:  # a ViewSet route: {"get": "list", "post": "create"}
        return allowed & set(actions)
    return {m for m in allowed if hasattr(view, m)}


def api_routes() -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        normalized = route.replace("^", "")
        if not normalized.startswith(API_PREFIX):
            continue
        # Format-suffix variants (`.json`) are not part of the contract.
        if "format" in pattern.pattern.regex.groupindex:
            continue
        routes.setdefault(_swagger_path(route), set()).update(_methods(pattern))
    return routes


def test_swagger_json_is_a_valid_swagger_2_document(swagger):
    assert swagger["swagger"] == "2.0"
    validate(swagger, cls=OpenAPIV2SpecValidator)
    assert swagger["basePath"] == "/api/v1"
    assert "Bearer" in swagger["securityDefinitions"]


def test_the_platform_routes_are_where_the_contract_says():
    routes = api_routes()
    expected = {
        "/auth/register/": {"post"},
        "/auth/token/": {"post"},
        "/auth/token/refresh/": {"post"},
        "/auth/logout/": {"post"},
        "/me/": {"get", "patch", "delete"},
        "/me/password/": {"post"},
        "/me/export/": {"get"},
        "/users/": {"get"},
        "/users/{id}/": {"get"},
    }
    for path, methods in expected.items():
        assert path in routes, sorted(routes)
        assert routes[path] == methods, (path, routes[path])


def test_every_api_route_and_method_is_documented(swagger):
    routes = api_routes()
    assert routes, "no /api/v1/ routes found"
    missing_paths = sorted(set(routes) - set(swagger["paths"]))
    assert not missing_paths, f"routes missing from /swagger.json: {missing_paths}"
    missing_ops = sorted(
        f"{method.upper()} {path}"
        for path, methods in routes.items()
        for method in methods
        if method not in swagger["paths"][path]
    )
    assert not missing_ops, f"operations missing from /swagger.json: {missing_ops}"
    # And nothing documented that the resolver does not serve.
    assert not sorted(set(swagger["paths"]) - set(routes))


def test_operations_document_their_errors(swagger):
    for path, item in swagger["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            assert op.get("operationId"), (method, path)
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (method, path, codes)
            assert "429" in codes, (method, path)
            if op.get("security") != []:
                assert "401" in codes, (method, path)
            if method in {"post", "put", "patch"}:
                assert "400" in codes, (method, path)


def test_operation_ids_are_unique(swagger):
    ids = [op["operationId"] for item in swagger["paths"].values() for m, op in item.items() if m in HTTP_METHODS]
    assert len(ids) == len(set(ids))


def test_public_endpoints_need_no_token_in_the_document(swagger):
    for path in ("/auth/register/", "/auth/token/", "/auth/token/refresh/"):
        assert swagger["paths"][path]["post"].get("security") == [], path
    assert swagger["paths"]["/me/"]["get"].get("security") != []


@pytest.mark.parametrize("path", ["/swagger/", "/redoc/"])
def test_the_documentation_uis_are_html(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    assert b"<html" in r.content.lower()


@pytest.mark.parametrize("path", ["/swagger/?format=openapi", "/redoc/?format=openapi"])
def test_the_uis_load_the_same_document(client, swagger, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r.json()["paths"].keys() == swagger["paths"].keys()


def test_swagger_json_needs_no_authentication_and_no_debug(client, settings):
    settings.DEBUG = False
    r = client.get("/swagger.json")
    assert r.status_code == 200 and r.json()["swagger"] == "2.0"


# --- What each operation documents (apps/core/schema.py) ----------------------------


def error_codes(operation, status: str) -> list[str]:
    return operation["responses"][status]["schema"]["properties"]["code"]["enum"]


def parameter(swagger, path, method, name):
    item = swagger["paths"][path]
    found = [p for p in item[method].get("parameters", []) + item.get("parameters", []) if p["name"] == name]
    assert found, (path, method, name)
    return found[0]


def test_complete_lists_its_own_errors_with_their_codes(swagger):
    complete = swagger["paths"]["/tasks/{id}/complete/"]["post"]
    assert error_codes(complete, "404") == ["not_found"]
    assert error_codes(complete, "409") == ["already_completed", "request_in_progress"]
    assert error_codes(complete, "422") == ["idempotency_key_reused"]
    assert error_codes(complete, "429") == ["throttled"]
    assert error_codes(complete, "401") == ["authentication_failed", "not_authenticated", "token_not_valid"]
    assert error_codes(complete, "400") == ["parse_error", "validation_error"]
    assert "Retry-After" in complete["responses"]["429"]["headers"]
    reopen = swagger["paths"]["/tasks/{id}/reopen/"]["post"]
    assert error_codes(reopen, "409") == ["insufficient_funds", "not_completed", "reopen_window_closed", "request_in_progress"]


def test_purchase_lists_its_own_errors_with_their_codes(swagger):
    purchase = swagger["paths"]["/shop/items/{id}/purchase/"]["post"]
    assert error_codes(purchase, "400") == ["currency_not_accepted", "parse_error", "validation_error"]
    assert error_codes(purchase, "409") == [
        "already_owned", "insufficient_funds", "level_too_low", "limit_reached", "request_in_progress"
    ]
    assert error_codes(purchase, "413") == ["request_too_large"]
    assert error_codes(purchase, "415") == ["unsupported_media_type"]


def test_every_operation_lists_the_platforms_406_and_413(swagger):
    # The size limit reads any request's Content-Length (a GET's too); Accept is read everywhere.
    for path, item in swagger["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert error_codes(operation, "406") == ["not_acceptable"], (method, path)
                assert error_codes(operation, "413") == ["request_too_large"], (method, path)


@pytest.mark.parametrize("path", ["/shop/items/", "/shop/items/{id}/"])
def test_a_conditional_get_declares_its_etag_and_if_none_match(swagger, path):
    operation = swagger["paths"][path]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["If-None-Match"]
    assert "ETag" in operation["responses"]["200"]["headers"] and "ETag" in operation["responses"]["304"]["headers"]


# The apps of this document; an app added later is checked once it is listed here.
DOCUMENTED_TAGS = {"profiles", "tasks", "shop", "achievements", "progression", "stats", "streaks", "boosts", "donations"}


def test_every_error_status_lists_its_codes(swagger):
    generic = []
    for path, item in swagger["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not set(op["tags"]) & DOCUMENTED_TAGS:
                continue
            for status, response in op["responses"].items():
                if status >= "400" and "enum" not in response["schema"].get("properties", {}).get("code", {}):
                    generic.append(f"{method.upper()} {path} {status}")
    assert not generic


def test_error_bodies_have_the_contract_shape_and_nothing_else(swagger):
    schema = swagger["paths"]["/tasks/{id}/"]["get"]["responses"]["404"]["schema"]
    assert schema["required"] == ["code", "detail"]
    assert set(schema["properties"]) == {"code", "detail", "errors"}
    assert schema["additionalProperties"] is False


def test_idempotent_operations_declare_the_replay_header(swagger):
    for path in ("/tasks/{id}/complete/", "/tasks/{id}/reopen/", "/shop/items/{id}/purchase/", "/inventory/{id}/use/"):
        success = next(r for s, r in swagger["paths"][path]["post"]["responses"].items() if s.startswith("2"))
        assert success["headers"]["Idempotent-Replayed"]["enum"] == ["true"], path
    webhook = swagger["paths"]["/donations/webhook/"]["post"]["responses"]["200"]
    assert "Idempotent-Replayed" in webhook["headers"]
    assert "headers" not in swagger["paths"]["/tasks/"]["post"]["responses"]["201"]


def test_constraints_the_code_enforces_are_in_the_schema(swagger):
    up_to = parameter(swagger, "/levels/", "get", "up_to")
    assert (up_to["minimum"], up_to["maximum"]) == (1, 1000)
    key = parameter(swagger, "/tasks/{id}/complete/", "post", "Idempotency-Key")
    assert (key["minLength"], key["maxLength"]) == (1, 255)
    for path in ("/tasks/", "/users/", "/shop/items/", "/inventory/"):
        assert parameter(swagger, path, "get", "page")["minimum"] == 1
        assert parameter(swagger, path, "get", "page_size")["minimum"] == 1
    assert parameter(swagger, "/users/", "get", "search")["maxLength"] == 150
    task = swagger["definitions"]["Task"]["properties"]
    assert task["deadline"]["x-nullable"] is True and task["completed_at"]["x-nullable"] is True
    for path in ("/tasks/{id}/", "/shop/items/{id}/", "/inventory/{id}/equip/", "/users/{id}/"):
        assert swagger["paths"][path]["parameters"][0]["type"] == "integer", path


def test_filter_parameters_have_types_enums_formats_and_descriptions(swagger):
    status = parameter(swagger, "/tasks/", "get", "status")
    assert status["enum"] == ["open", "completed"] and status["description"]
    assert parameter(swagger, "/tasks/", "get", "difficulty")["enum"] == ["trivial", "easy", "medium", "hard"]
    dream = parameter(swagger, "/tasks/", "get", "dream")
    assert (dream["type"], dream["minimum"], dream["maximum"]) == ("integer", 1, 2**63 - 1)
    assert parameter(swagger, "/tasks/", "get", "overdue")["type"] == "boolean"
    assert parameter(swagger, "/tasks/", "get", "due_before")["format"] == "date"
    assert parameter(swagger, "/tasks/", "get", "search")["maxLength"] == 200
    ordering = parameter(swagger, "/tasks/", "get", "ordering")
    assert ordering["type"] == "array" and ordering["collectionFormat"] == "csv"
    assert set(ordering["items"]["enum"]) == {"deadline", "-deadline", "created_at", "-created_at", "difficulty", "-difficulty"}
    assert parameter(swagger, "/inventory/", "get", "equipped")["type"] == "boolean"
    assert parameter(swagger, "/habits/", "get", "archived")["type"] == "boolean"
    for path, item in swagger["paths"].items():
        for p in item.get("get", {}).get("parameters", []):
            if p["in"] == "query":
                assert p.get("allowEmptyValue") is True, (path, p["name"])  # empty means "not given"


def test_single_object_gets_have_their_own_operation_ids(swagger):
    assert swagger["paths"]["/me/"]["get"]["operationId"] == "me_read"
    assert swagger["paths"]["/dashboard/"]["get"]["operationId"] == "dashboard_read"
    assert swagger["paths"]["/me/export/"]["get"]["operationId"] == "me_export_read"
    assert swagger["paths"]["/tasks/"]["get"]["operationId"] == "tasks_list"


def test_a_partial_update_requires_no_field(swagger):
    body = parameter(swagger, "/tasks/{id}/", "patch", "data")
    assert body["required"] is False
    assert body["schema"]["$ref"] == "#/definitions/PatchedTaskInput"
    assert "required" not in swagger["definitions"]["PatchedTaskInput"]
    assert swagger["definitions"]["TaskInput"]["required"] == ["title"]


def test_operations_that_can_answer_without_a_body_declare_no_media_type(swagger):
    # Swagger 2.0 has no per-response media type; a 204 or 304 carries no Content-Type.
    assert "produces" not in swagger
    assert "produces" not in swagger["paths"]["/tasks/{id}/"]["delete"]
    assert "produces" not in swagger["paths"]["/shop/items/"]["get"]
    assert swagger["paths"]["/tasks/{id}/"]["get"]["produces"] == ["application/json"]


def _nullable_as_json_schema(schema):
    """Swagger 2's `x-nullable: true` as JSON Schema says it (null is a type of its own)."""
    if isinstance(schema, list):
        return [_nullable_as_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _nullable_as_json_schema(value) for key, value in schema.items()}
    if schema.get("x-nullable") and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    if schema.get("x-nullable") and "$ref" in schema:
        schema = {"anyOf": [{"$ref": schema["$ref"]}, {"type": "null"}]}
    return schema


def validate_against(swagger, definition: str, body) -> None:
    import jsonschema

    definitions = _nullable_as_json_schema(swagger["definitions"])
    jsonschema.validate(body, {**definitions[definition], "definitions": definitions})


def test_public_profiles_conform_to_their_schema(swagger, make_user):
    from conftest import client_for

    make_user("quiet")  # no display name: an empty string
    viewer = make_user("viewer")
    body = client_for(viewer).get("/api/v1/users/").json()
    assert body["results"] and all(p["display_name"] == "" for p in body["results"])
    for profile in body["results"]:
        validate_against(swagger, "PublicProfile", profile)


def test_ledger_entries_without_a_ref_conform_to_their_schema(swagger, make_user):
    from apps.shop.tests.factories import fund
    from conftest import client_for

    player = make_user("player")
    fund(player, coins=5)  # a grant without a ref
    entries = client_for(player).get("/api/v1/me/ledger/").json()["results"]
    assert entries[0]["ref"] == ""
    validate_against(swagger, "LedgerEntry", entries[0])


# --- error_responses() itself --------------------------------------------------


def test_error_responses_groups_codes_by_status():
    from rest_framework.exceptions import NotAuthenticated

    from apps.core.errors import InsufficientFunds, NotFound
    from apps.core.schema import error_responses
    from apps.tasks.exceptions import TaskAlreadyCompleted

    responses = error_responses(NotFound, TaskAlreadyCompleted, InsufficientFunds, NotAuthenticated, (401, "token_not_valid"))
    assert sorted(responses) == [401, 404, 409]
    assert responses[409]["schema"]["properties"]["code"]["enum"] == ["already_completed", "insufficient_funds"]
    assert responses[401]["schema"]["properties"]["code"]["enum"] == ["not_authenticated", "token_not_valid"]
    assert "`already_completed`: This task is already completed." in responses[409]["description"]


def test_error_responses_takes_only_error_classes_and_pairs():
    from apps.core.schema import error_responses

    with pytest.raises(TypeError):
        error_responses(ValueError)


def test_the_older_bare_error_serializer_still_documents_a_generic_error():
    from django.urls import path
    from drf_yasg.utils import swagger_auto_schema
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from apps.core.schema import API_INFO, DreamTrackSchemaGenerator, ErrorSerializer

    class LegacyView(APIView):
        @swagger_auto_schema(responses={200: "ok", 404: ErrorSerializer, 409: ErrorSerializer})
        def get(self, request, pk):
            return Response()

    generator = DreamTrackSchemaGenerator(info=API_INFO, patterns=[path("api/v1/legacy/<int:pk>/", LegacyView.as_view())])
    operation = generator.get_schema(public=True)["paths"]["/legacy/{id}/"]["get"]
    responses = {status: dict(response) for status, response in operation["responses"].items()}
    assert responses["409"]["schema"] == {"$ref": "#/definitions/Error"}
    # A generic status keeps the codes the platform adds to it, in its description.
    assert responses["404"]["schema"] == {"$ref": "#/definitions/Error"} and "not_found" in responses["404"]["description"]
    assert "enum" in responses["429"]["schema"]["properties"]["code"]


def test_strings_say_they_hold_no_nul_and_which_may_not_be_blank(swagger):
    from apps.core.schema import NO_NUL, NOT_BLANK

    assert swagger["definitions"]["TaskInput"]["properties"]["title"]["pattern"] == NOT_BLANK  # trimmed, then checked
    assert swagger["definitions"]["TaskInput"]["properties"]["description"]["pattern"] == NO_NUL  # may be blank
    assert swagger["definitions"]["TokenRefresh"]["properties"]["refresh"]["pattern"] == NO_NUL  # not trimmed
    assert parameter(swagger, "/users/", "get", "search")["pattern"] == NO_NUL
    assert "pattern" not in swagger["definitions"]["Task"]["properties"]["deadline"]  # a date has its format
    error = swagger["paths"]["/tasks/"]["post"]["responses"]["400"]["schema"]
    assert "pattern" not in error["properties"]["detail"]  # a message may quote what was sent


def test_the_profile_edit_body_lists_only_the_writable_fields(swagger):
    body = parameter(swagger, "/me/", "patch", "data")
    fields = swagger["definitions"][body["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert set(fields) == {"email", "display_name", "bio", "timezone", "day_start_hour"}


def test_texts_that_may_be_empty_conform_to_their_schema(swagger, make_user):
    # A trade without a message, a catalog item and an achievement without a description.
    from apps.achievements.models import Achievement
    from apps.shop.tests.factories import ItemFactory
    from apps.trades.tests.factories import befriend, fund, make_trade
    from conftest import client_for

    ann, ben = make_user("ann"), make_user("ben")
    befriend(ann, ben)
    fund(ann, coins=10)
    trade = make_trade(ann, ben, offered_coins=10, requested_coins=1)
    item = ItemFactory(description="", price_coins=5)
    Achievement.objects.create(code="plain", title="Plain", description="", trigger="tasks_completed", threshold=1)
    client = client_for(ann)

    shown_trade = client.get(f"/api/v1/trades/{trade.pk}/").json()
    shown_item = client.get(f"/api/v1/shop/items/{item.pk}/").json()
    shown_achievement = next(a for a in client.get("/api/v1/achievements/").json() if a["code"] == "plain")

    assert shown_trade["message"] == shown_item["description"] == shown_achievement["description"] == ""
    validate_against(swagger, "Trade", shown_trade)
    validate_against(swagger, "ShopItem", shown_item)
    validate_against(swagger, "Achievement", shown_achievement)


def test_answers_with_rewards_conform_to_their_schema(swagger, make_user):
    from apps.inventory.services import inventory_grant
    from apps.shop.tests.factories import ItemFactory
    from apps.trades.tests.factories import fund, make_trade
    from conftest import client_for

    ann, ben = make_user("ann"), make_user("ben")
    asked = client_for(ann).post("/api/v1/friends/requests/", {"user_id": ben.pk}, format="json").json()
    accepted = client_for(ben).post(f"/api/v1/friends/requests/{asked['id']}/accept/").json()
    fund(ann, coins=10)
    fund(ben, coins=1)
    trade = make_trade(ann, ben, offered_coins=10, requested_coins=1)
    traded = client_for(ben).post(f"/api/v1/trades/{trade.pk}/accept/").json()
    row = inventory_grant(user_id=ben.pk, item_id=ItemFactory(type="avatar").pk, quantity=1, reason="test")
    equipped = client_for(ben).post(f"/api/v1/inventory/{row.pk}/equip/").json()

    validate_against(swagger, "FriendRequestCreated", asked)
    validate_against(swagger, "FriendRequestAccepted", accepted)
    validate_against(swagger, "TradeAccepted", traded)
    validate_against(swagger, "InventoryEquipped", equipped)
    assert "rewards" not in asked
    assert accepted["rewards"]["level"]["before"] == traded["rewards"]["level"]["before"] == 1
