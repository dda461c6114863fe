"""run_daily_jobs settles quit days by hand, inline without a broker, and on Celery beat's schedule
(which the docker-compose worker runs)."""
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
import yaml
from django.conf import settings
from django.core.management import call_command

from apps.habits.models import QuitDaySettlement

from .factories import at, log, make_habit

pytestmark = pytest.mark.django_db

D0 = date(2024, 6, 3)


@pytest.fixture
def logged_day(user):
    habit = make_habit(user, kind="quit", now=at(D0, 8))
    log(user, habit, 0, now=at(D0, 10))
    return habit


def test_by_hand(logged_day):
    out = StringIO()
    with time_machine.travel(at(date(2024, 6, 4), 1), tick=False):
        call_command("run_daily_jobs", stdout=out)
    assert "habits: 1 quit days settled and paid to 1 users" in out.getvalue()
    assert QuitDaySettlement.objects.filter(habit=logged_day).count() == 1


def test_inline_from_celery_without_a_broker(logged_day):
    from apps.core.tasks import run_daily_jobs

    with time_machine.travel(at(date(2024, 6, 4), 1), tick=False):
        run_daily_jobs.delay()  # eager without REDIS_URL (CELERY_TASK_ALWAYS_EAGER)
    assert QuitDaySettlement.objects.filter(habit=logged_day).count() == 1


def test_celery_beat_schedules_it_every_few_minutes_and_the_compose_worker_runs_beat():
    from dreamtrack.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["run-daily-jobs"]
    assert entry["task"] == "apps.core.tasks.run_daily_jobs" and entry["schedule"] <= 300
    assert app.conf.beat_schedule["run-daily-jobs"]["task"] == "apps.core.tasks.run_daily_jobs"
    app.loader.import_default_modules()
    assert "apps.core.tasks.run_daily_jobs" in app.tasks
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert "celery -A dreamtrack worker" in command and " -B" in command
