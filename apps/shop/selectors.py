"""Reading the shop: the cached catalog and the per-user view of it.

The catalog (every active item, without per-user fields) is one small list,
cached in the shared cache under a key carrying the catalog *version*. Any
Item save or delete bumps the version (apps/shop/signals.py), so a changed
item is never served from a stale entry; old entries simply expire. Each
process also keeps the last version it loaded in memory, so a cached request
costs one cache GET for the version and no unpickling.

A request then adds what depends on the user: one query for the user's
holdings (`owned`, `owned_quantity`, the `owned` filter) and one for the
balances (`affordable`). Filtering, ordering and the
page are computed in Python over the snapshot: a catalog is at most a few
thousand rows, and this keeps `shop/items/` at a constant number of queries
whatever its size or filters. (A catalog of tens of thousands of items would
want database filtering instead.)
"""
from __future__ import annotations

import threading
from decimal import Decimal

from django.core.cache import cache
from rest_framework.fields import DateTimeField

from apps.core import catalog_versions
from apps.core.errors import NotFound
from apps.inventory.models import InventoryItem
from apps.wallet.models import Wallet

from .images import default_image_path
from .models import Item

VERSION_KEY = "shop:catalog:version"
CATALOG_KEY = "shop:catalog:{version}"
CATALOG_TTL = 24 * 3600
# The version also expires: with a per-process cache (locmem, no REDIS_URL) a
# bump reaches only the process that made it, so others reload within this.
VERSION_TTL = 300
catalog_versions.register(VERSION_KEY, ttl=VERSION_TTL)

_memo_lock = threading.Lock()
_memo: dict = {"version": None, "items": None, "by_id": None}


# -- the catalog snapshot ------------------------------------------------------
def catalog_version() -> str | None:
    """The current catalog version; None when the cache is unreachable."""
    return catalog_versions.version(VERSION_KEY)


def catalog_bump() -> None:
    """Invalidate every cached catalog (called on any Item change)."""
    catalog_versions.bump(VERSION_KEY)


def _multiplier(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def item_snapshot(item: Item) -> dict:
    """An item's catalog fields, cacheable (relative image URL, plain types)."""
    return {
        "id": item.pk,
        "name": item.name,
        "description": item.description,
        "type": item.type,
        "rarity": item.rarity,
        "image": item.image.url if item.image else default_image_path(item.type),
        "price_coins": item.price_coins,
        "price_crystals": item.price_crystals,
        "min_level": item.min_level,
        "boost_type": item.boost_type or None,
        "multiplier": _multiplier(item.multiplier),
        "duration_minutes": item.duration_minutes,
        "_created": item.created_at.timestamp(),
    }


def _load_catalog() -> list[dict]:
    return [item_snapshot(item) for item in Item.objects.filter(is_active=True).order_by("id")]


def catalog_items() -> tuple[list[dict], dict[int, dict]]:
    """(active items in id order, the same by id): from memory, the cache, or the database."""
    version = catalog_version()
    if version is not None and _memo["version"] == version:
        return _memo["items"], _memo["by_id"]
    items = cache.get(CATALOG_KEY.format(version=version)) if version is not None else None
    if items is None:
        items = _load_catalog()
        if version is not None:
            cache.set(CATALOG_KEY.format(version=version), items, CATALOG_TTL)
    by_id = {item["id"]: item for item in items}
    if version is not None:
        with _memo_lock:
            _memo.update(version=version, items=items, by_id=by_id, folded=None)
    return items, by_id


def _folded(items: list[dict]) -> dict[int, tuple[str, str]]:
    """{id: (name, description) casefolded} for the search filter, kept with the memo."""
    memo = _memo
    if memo.get("items") is items and memo.get("folded") is not None:
        return memo["folded"]
    folded = {item["id"]: (item["name"].casefold(), item["description"].casefold()) for item in items}
    if memo.get("items") is items:
        memo["folded"] = folded
    return folded


# -- per-user ------------------------------------------------------------------
def owned_quantities(*, user_id: int) -> dict[int, int]:
    """{item_id: quantity} of what the user holds (one query)."""
    return dict(InventoryItem.objects.filter(user_id=user_id, quantity__gt=0).values_list("item_id", "quantity"))


def item_public(snapshot: dict, *, owned_quantity: int, request=None) -> dict:
    """The contract's Item shape from a snapshot."""
    out = {key: value for key, value in snapshot.items() if not key.startswith("_")}
    if request is not None:
        out["image"] = request.build_absolute_uri(out["image"])
    out["owned"] = owned_quantity > 0
    out["owned_quantity"] = owned_quantity
    return out


def item_public_from_model(item: Item, *, owned_quantity: int, request=None) -> dict:
    return item_public(item_snapshot(item), owned_quantity=owned_quantity, request=request)


def _balances(user) -> dict[str, int]:
    wallet = Wallet.objects.filter(user_id=user.pk).values("coins", "crystals").first()
    return wallet or {"coins": 0, "crystals": 0}  # none: a user made outside registration


def _price_key(currency: str) -> str:
    return "price_crystals" if currency == "crystals" else "price_coins"


ORDERINGS = ("price", "-price", "name", "-name", "created_at", "-created_at")


def shop_item_list_for_user(
    *,
    user,
    type: str | None = None,
    rarity: str | None = None,
    currency: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    affordable: bool | None = None,
    owned: bool | None = None,
    search: str | None = None,
    ordering: str | None = None,
) -> tuple[list[dict], dict[int, int]]:
    """Active items matching the filters, ordered; and the user's holdings.

    `currency` keeps the items priced in it; `min_price`/`max_price`, `affordable`
    and `ordering=price` use that currency (coins when absent). Items without a
    price in it do not match a price filter and sort last by price.
    `affordable=true` keeps what the wallet can pay, `false` what it cannot yet.
    """
    items, _ = catalog_items()
    holdings = owned_quantities(user_id=user.pk)
    price_key = _price_key(currency or "coins")
    balance = _balances(user)[currency or "coins"]
    needle = search.strip().casefold() if search else ""
    folded = _folded(items) if needle else None

    def keep(item: dict) -> bool:
        price = item[price_key]
        if type and item["type"] != type:
            return False
        if rarity and item["rarity"] != rarity:
            return False
        if currency and price is None:
            return False
        if min_price is not None and (price is None or price < min_price):
            return False
        if max_price is not None and (price is None or price > max_price):
            return False
        if affordable is not None and (price is None or (price <= balance) != affordable):
            return False
        if owned is not None and (holdings.get(item["id"], 0) > 0) != owned:
            return False
        if needle:
            name, description = folded[item["id"]]
            if needle not in name and needle not in description:
                return False
        return True

    result = [item for item in items if keep(item)]
    if ordering in ("price", "-price"):
        sign = -1 if ordering == "-price" else 1
        result.sort(key=lambda i: (i[price_key] is None, sign * (i[price_key] or 0), i["id"]))
    elif ordering in ("name", "-name"):
        result.sort(key=lambda i: (i["name"].casefold(), i["id"]), reverse=ordering == "-name")
    elif ordering in ("created_at", "-created_at"):
        result.sort(key=lambda i: (i["_created"], i["id"]), reverse=ordering == "-created_at")
    return result, holdings


def shop_item_get_for_user(*, user, item_id: int, request=None) -> dict:
    """One active item in the contract's shape; NotFound when missing or inactive."""
    _, by_id = catalog_items()
    snapshot = by_id.get(item_id)
    if snapshot is None:
        raise NotFound()
    quantity = (
        InventoryItem.objects.filter(user_id=user.pk, item_id=item_id).values_list("quantity", flat=True).first() or 0
    )
    return item_public(snapshot, owned_quantity=quantity, request=request)


# Rendered here, as the API renders it: the idempotency layer stores bodies with
# Django's JSON encoder (milliseconds), which would make a replay differ.
_datetime = DateTimeField()


def inventory_row_public(row: InventoryItem, *, request=None) -> dict:
    """`{id, item, quantity, equipped, locked_in_trade, acquired_at}` (row.item loaded)."""
    return {
        "id": row.pk,
        "item": item_public_from_model(row.item, owned_quantity=row.quantity, request=request),
        "quantity": row.quantity,
        "equipped": row.equipped,
        "locked_in_trade": row.locked_in_trade,
        "acquired_at": _datetime.to_representation(row.acquired_at),
    }
