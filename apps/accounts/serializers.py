from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.fields import StrictCharField, StrictEmailField, StrictIntegerField, StrictRegexField
from apps.core.localday import is_valid_timezone

from .services import lock_user_row

User = get_user_model()


def _validate_tz(value: str) -> str:
    if not is_valid_timezone(value):
        raise serializers.ValidationError(f"'{value}' is not a valid IANA time zone name (e.g. Europe/Berlin).")
    return value


class RegisterInputSerializer(serializers.Serializer):
    username = StrictRegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        min_length=3,
        error_messages={"invalid": "Letters, digits and @/./+/-/_ only."},
    )
    email = StrictEmailField(max_length=254)
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})
    timezone = StrictCharField(required=False, default="UTC", max_length=64, validators=[_validate_tz])
    day_start_hour = StrictIntegerField(required=False, default=0, min_value=0, max_value=23)


class StreakSummarySerializer(serializers.Serializer):
    current = serializers.IntegerField()
    longest = serializers.IntegerField()
    freezes = serializers.IntegerField()


class ProfileBoostSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["xp", "coins"])
    multiplier = serializers.FloatField()
    expires_at = serializers.DateTimeField()


class ProfileUpdateInputSerializer(serializers.Serializer):
    """`PATCH me/`: the writable fields of the profile; anything else sent is ignored."""

    email = StrictEmailField(required=False, max_length=254)
    display_name = StrictCharField(required=False, allow_blank=True, max_length=64)
    bio = StrictCharField(required=False, allow_blank=True, max_length=500)
    timezone = StrictCharField(required=False, max_length=64, validators=[_validate_tz])
    day_start_hour = StrictIntegerField(required=False, min_value=0, max_value=23)

    def validate_email(self, value):
        user = self.context["request"].user
        if User.objects.filter(email__iexact=value).exclude(pk=user.pk).exists():
            raise serializers.ValidationError("A user with that email already exists.")
        return value


class ProfileSerializer(serializers.Serializer):
    """`me/`: the player's own profile (edited through ProfileUpdateInputSerializer)."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(read_only=True, allow_blank=True)
    bio = serializers.CharField(read_only=True, allow_blank=True)
    timezone = serializers.CharField(read_only=True)
    day_start_hour = serializers.IntegerField(read_only=True, min_value=0, max_value=23)
    level = serializers.IntegerField(read_only=True)
    xp = serializers.IntegerField(read_only=True)
    xp_into_level = serializers.IntegerField(read_only=True)
    xp_for_next_level = serializers.IntegerField(read_only=True)
    coins = serializers.IntegerField(read_only=True)
    crystals = serializers.IntegerField(read_only=True)
    streak = StreakSummarySerializer(read_only=True)
    avatar = serializers.URLField(read_only=True)
    icon = serializers.URLField(read_only=True)
    background = serializers.URLField(read_only=True)
    active_boosts = ProfileBoostSerializer(many=True, read_only=True)


class AuthResultSerializer(serializers.Serializer):
    user = ProfileSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginInputSerializer(TokenObtainPairSerializer):
    """SimpleJWT's login with bounded inputs: `username` is a username or an email
    (at most 254 chars, the longest email), `password` at most 128 like at register.
    Unbounded, a huge value reaches the case-insensitive lookup (SQLite: "LIKE
    pattern too complex", a 500) and the password hasher (slow on purpose)."""

    class Meta:
        ref_name = "TokenObtainPair"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = StrictCharField(write_only=True, max_length=254)
        self.fields["password"] = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"})


class _RotateOnceRefreshToken(RefreshToken):
    """A refresh token whose rotation is a compare-and-swap: SimpleJWT blacklists with
    `get_or_create`, so two requests presenting the same token at once both "succeed"
    and fork two token families. Only the request that creates the blacklist row wins."""

    def blacklist(self):
        blacklisted, created = super().blacklist()
        if not created:
            raise TokenError("Token is blacklisted")
        return blacklisted, created


class RefreshInputSerializer(TokenRefreshSerializer):
    """SimpleJWT's refresh, where a token of a deleted account is a 401 (5.5.1 lets
    `User.DoesNotExist` escape as a 500), and a token rotates once even when it is
    presented by several requests at the same time."""

    token_class = _RotateOnceRefreshToken
    refresh = StrictCharField(trim_whitespace=False)  # opaque: " " is a token that does not work (401)

    class Meta:
        ref_name = "TokenRefresh"

    def validate(self, attrs):
        with transaction.atomic():
            # Queued with password changes on the user's row (user_sign_out_everywhere), so a
            # rotation never slips a new token past the sign-out.
            lock_user_row(_user_id_of(attrs["refresh"]))
            try:
                return super().validate(attrs)
            except User.DoesNotExist:
                raise InvalidToken("The account of this token no longer exists.") from None


def _user_id_of(token: str):
    """The user id a refresh token names, read without checking it (validate() does)."""
    try:
        return RefreshToken(token, verify=False).payload.get(jwt_settings.USER_ID_CLAIM)
    except TokenError:
        return None


class LogoutInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = StrictCharField(max_length=128)
    new_password = StrictCharField(max_length=128)


class AccountDeleteInputSerializer(serializers.Serializer):
    password = StrictCharField(max_length=128)


class UserSearchQuerySerializer(serializers.Serializer):
    """`users/?search=`: a username prefix (DRF refuses NUL characters, which PostgreSQL cannot compare)."""

    search = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)


class PublicProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True, help_text="Empty when the player set none.")
    level = serializers.IntegerField()
    avatar = serializers.URLField()
    icon = serializers.URLField()
    background = serializers.URLField()
    streak_current = serializers.IntegerField()
