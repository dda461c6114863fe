from django.apps import AppConfig


class BoostsConfig(AppConfig):
    name = "apps.boosts"
    label = "boosts"
