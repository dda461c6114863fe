from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"

    def ready(self):
        from apps.notifications.signals import notifications_created

        from .services import notifications_publish

        notifications_created.connect(notifications_publish, dispatch_uid="events-publish-notifications")
