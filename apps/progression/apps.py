from django.apps import AppConfig


class ProgressionConfig(AppConfig):
    name = "apps.progression"
    label = "progression"
