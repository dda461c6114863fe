"""The donations part of `me/export/`.

On account deletion the Donation rows stay as payment records with `user`
set to NULL (the model's SET_NULL), so a late replay of a payment still
answers with its first result and credits nothing.
"""


def export(user) -> dict:
    from .models import Donation

    rows = Donation.objects.filter(user_id=user.pk).order_by("created_at", "id")
    return {
        "donations": [
            {"payment_id": d.payment_id, "crystals": d.crystals, "created_at": d.created_at.isoformat()} for d in rows
        ]
    }
