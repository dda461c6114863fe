from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from apps.core.localday import is_valid_timezone


def validate_timezone(value: str) -> None:
    from django.core.exceptions import ValidationError

    if not is_valid_timezone(value):
        raise ValidationError(f"'{value}' is not a valid IANA time zone name.", code="invalid_timezone")


class DreamTrackUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def _create_user(self, username, email, password, **extra_fields):
        # `createsuperuser`, `create_user`: a player like any other, with a wallet and a streak.
        from .services import user_ensure_game_rows

        user = super()._create_user(username, email, password, **extra_fields)
        user_ensure_game_rows(user)
        return user


class User(AbstractUser):
    """A player. Usernames and emails are unique case-insensitively."""

    email = models.EmailField("email address")
    display_name = models.CharField(max_length=64, blank=True)
    bio = models.CharField(max_length=500, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    day_start_hour = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )

    objects = DreamTrackUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=models.Q(day_start_hour__lte=23), name="user_day_start_hour_range"),
        ]

    def __str__(self) -> str:
        return self.username
