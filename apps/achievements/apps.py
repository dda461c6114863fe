from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    name = "apps.achievements"
    label = "achievements"
