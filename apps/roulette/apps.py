from django.apps import AppConfig


class RouletteConfig(AppConfig):
    name = "apps.roulette"
    label = "roulette"
