from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "apps.donations"
    label = "donations"
