"""The roulette part of `me/export/`. Spins cascade with the user."""
from .models import RouletteSpin


def export(user):
    rows = RouletteSpin.objects.filter(user=user).order_by("created_at", "id").iterator(chunk_size=500)
    return (
        {
            "date": spin.local_date.isoformat(),
            "label": spin.label,
            "kind": spin.kind,
            "amount": spin.amount,
            "item": spin.item_name or None,
            "created_at": spin.created_at.isoformat(),
        }
        for spin in rows
    )
