from django.apps import AppConfig


class DreamsConfig(AppConfig):
    name = "apps.dreams"
    label = "dreams"
