"""The accounts part of `me/export/`."""


def export(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "timezone": user.timezone,
        "day_start_hour": user.day_start_hour,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def on_delete(user) -> None:
    """Nothing to release: the user's rows cascade."""
