from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "apps.shop"
    label = "shop"

    def ready(self):
        from . import signals  # noqa: F401 - connects the catalog cache invalidation
