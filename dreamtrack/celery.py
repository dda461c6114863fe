"""The Celery app `dreamtrack`: `celery -A dreamtrack worker -B` runs jobs and the schedule.

Without REDIS_URL, settings make every task run inline (CELERY_TASK_ALWAYS_EAGER).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamtrack.settings")

app = Celery("dreamtrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
