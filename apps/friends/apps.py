from django.apps import AppConfig


class FriendsConfig(AppConfig):
    name = "apps.friends"
    label = "friends"
