from django.apps import AppConfig


class HabitsConfig(AppConfig):
    name = "apps.habits"
    label = "habits"
