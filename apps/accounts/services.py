from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.errors import BadRequest
from apps.core.registry import app_modules
from apps.core.user_version import user_version_bump

User = get_user_model()


def user_register(*, username: str, email: str, password: str, timezone: str = "UTC", day_start_hour: int = 0):
    """Create a player with an empty wallet and streak. Duplicates (any case) are 400."""
    from apps.streaks.models import Streak
    from apps.wallet.models import Wallet

    candidate = User(username=username, email=email, timezone=timezone, day_start_hour=day_start_hour)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": exc.messages}) from None
    errors = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that email already exists."]
    if errors:
        raise serializers.ValidationError(errors)
    try:
        with transaction.atomic():
            candidate.set_password(password)
            candidate.save()
            Wallet.objects.create(user=candidate)
            Streak.objects.create(user=candidate)
    except IntegrityError:
        # A concurrent registration won the case-insensitive unique constraint.
        raise BadRequest(errors={"username": ["A user with that username or email already exists."]}) from None
    return candidate


def user_ensure_game_rows(user) -> None:
    """Give a user made outside `user_register` (admin, createsuperuser) the wallet and streak every player has."""
    from apps.streaks.models import Streak
    from apps.wallet.models import Wallet

    Wallet.objects.get_or_create(user=user)
    Streak.objects.get_or_create(user=user)


def tokens_for(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


PROFILE_FIELDS = ("display_name", "bio", "timezone", "day_start_hour", "email")


def user_update_profile(*, user, **changes) -> None:
    """Change the user's own profile fields (`PROFILE_FIELDS`); an email another account
    took meanwhile is a 400."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not changes:
        return
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(changes))
    except IntegrityError:
        raise BadRequest(errors={"email": ["A user with that email already exists."]}) from None
    user_version_bump(user.pk, user_row=True)


def user_set_active(*, user, active: bool) -> None:
    """Deactivate (or reactivate) an account: a deactivated user's access tokens stop
    working at the next request, and it cannot log in."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    user_version_bump(user.pk, user_row=True)


def user_change_password(*, user, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise serializers.ValidationError({"old_password": ["Wrong password."]})
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"new_password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_sign_out_everywhere(user)


def user_sign_out_everywhere(user) -> None:
    """After a password change (the API's or an admin's): every refresh token the user holds
    stops working, so other sessions must log in again once their access token (15 min) ends."""
    with transaction.atomic():
        # A refresh takes this lock too (RefreshInputSerializer): a token rotated meanwhile is
        # recorded before the read below, or its rotation waits and finds the old one blacklisted.
        lock_user_row(user.pk)
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in OutstandingToken.objects.filter(user=user)], ignore_conflicts=True
        )
        user_version_bump(user.pk, user_row=True)


def lock_user_row(user_id) -> None:
    """Lock the user's row until the transaction ends (what queues refreshes and sign-outs)."""
    list(User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True))


def user_delete(*, user, password: str) -> None:
    """Delete the account and its data. Later apps cancel what they must first
    (pending trades return their escrow) through `apps/<app>/account.py: on_delete(user)`."""
    if not user.check_password(password):
        raise serializers.ValidationError({"password": ["Wrong password."]})
    with transaction.atomic():
        for _label, module in app_modules("account"):
            if hasattr(module, "on_delete"):
                module.on_delete(user)
        OutstandingToken.objects.filter(user=user).delete()
        user_version_bump(user.pk, user_row=True)  # its access tokens stop working
        user.delete()


def user_export(*, user) -> dict:
    """Every piece of the user's data: each app adds its part via `apps/<app>/account.py: export(user)`."""
    return {label: module.export(user) for label, module in app_modules("account") if hasattr(module, "export")}
