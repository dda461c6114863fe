from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    name = "apps.achievements"
    label = "achievements"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Achievement, AchievementRewardItem
        from .signals import catalog_changed

        for model in (Achievement, AchievementRewardItem):
            post_save.connect(catalog_changed, sender=model, dispatch_uid=f"achievements_catalog_save_{model.__name__}")
            post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"achievements_catalog_delete_{model.__name__}")
