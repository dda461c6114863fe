from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, Q, Value, When


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or an email, either case-insensitively.

    One identifier can match two accounts (a username may look like an email:
    `bob@example.com` as one player's username and another's email). Each
    candidate's password is checked, the username match first, so no player can
    lock another out of logging in with their email.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not isinstance(username, str) or not isinstance(password, str) or len(username) > 254:
            return None
        User = get_user_model()
        candidates = list(
            User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username))
            .annotate(by_username=Case(When(username__iexact=username, then=Value(0)), default=Value(1)))
            .order_by("by_username", "pk")[:2]
        )
        if not candidates:
            User().set_password(password)  # same cost as a real check: no user enumeration by timing
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
