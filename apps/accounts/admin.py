from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from apps.core.admin_base import ReadOnlyAdmin, ReplacesUserCacheTokenAdmin

from .models import User
from .services import user_ensure_game_rows, user_set_active, user_sign_out_everywhere


class _CaseInsensitiveEmailMixin:
    """The model's unique constraint is on lower(email); say so as a form error, not a 500."""

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if email and others.exists():
            raise forms.ValidationError(_("A user with that email already exists."))
        return email


class DreamTrackUserCreationForm(_CaseInsensitiveEmailMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class DreamTrackUserChangeForm(_CaseInsensitiveEmailMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean_username(self):
        username = self.cleaned_data.get("username", "")
        if User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A user with that username already exists."))
        return username


class DreamTrackAdminPasswordChangeForm(AdminPasswordChangeForm):
    """A password set by an admin (say, for a stolen account) signs the player out
    everywhere, as `me/password/` does."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            user_sign_out_everywhere(user)
        return user


@admin.register(User)
class UserAdmin(ReplacesUserCacheTokenAdmin, DjangoUserAdmin):
    user_row = True
    form = DreamTrackUserChangeForm
    add_form = DreamTrackUserCreationForm
    change_password_form = DreamTrackAdminPasswordChangeForm
    list_display = ("username", "email", "display_name", "date_joined", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "is_superuser", "timezone")
    search_fields = ("username", "email", "display_name")
    ordering = ("-date_joined", "-id")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("email", "display_name", "bio", "timezone", "day_start_hour")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")

    actions = ["deactivate", "reactivate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A player made here must be able to play like one who registered.
        user_ensure_game_rows(obj)

    @admin.action(description="Deactivate: log out at once and refuse logins", permissions=["change"])
    def deactivate(self, request, queryset):
        for user in queryset:
            user_set_active(user=user, active=False)
        self.message_user(request, f"Deactivated {queryset.count()} user(s).")

    @admin.action(description="Reactivate", permissions=["change"])
    def reactivate(self, request, queryset):
        for user in queryset:
            user_set_active(user=user, active=True)
        self.message_user(request, f"Reactivated {queryset.count()} user(s).")


class ReadOnlyBlacklistedTokenAdmin(ReadOnlyAdmin, BlacklistedTokenAdmin):
    """SimpleJWT's own lets an admin delete a blacklist row, which brings a revoked refresh
    token (a password change, a logout) back to life: sign-outs are final here."""


admin.site.unregister(BlacklistedToken)
admin.site.register(BlacklistedToken, ReadOnlyBlacklistedTokenAdmin)
