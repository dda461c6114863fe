"""The boosts part of `me/export/`. Deletion needs nothing: boosts and slots cascade with the user."""


def export(user) -> dict:
    from .models import ActiveBoost

    rows = ActiveBoost.objects.filter(user_id=user.pk).order_by("started_at", "id")
    return {
        "boosts": [
            {
                "type": b.type,
                "multiplier": float(b.multiplier),
                "started_at": b.started_at.isoformat(),
                "expires_at": b.expires_at.isoformat(),
                "item_id": b.item_id,
            }
            for b in rows
        ]
    }
