from django.apps import AppConfig


class StreaksConfig(AppConfig):
    name = "apps.streaks"
    label = "streaks"
