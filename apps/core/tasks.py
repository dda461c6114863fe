"""Periodic jobs (Celery beat runs them every few minutes; inline without Redis)."""
from celery import shared_task
from django.core.management import call_command


@shared_task(name="apps.core.tasks.run_daily_jobs")
def run_daily_jobs():
    call_command("run_daily_jobs")
