"""The job through a real Celery worker and Redis broker (CI runs it; skipped without Redis)."""
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from apps.dreams.tests.factories import DreamFactory
from conftest import client_for
from dreamtrack.celery import app

from .fakes import some_steps, steps_completion

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the worker thread reads what the request committed
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL) as the Celery broker"),
]


def _close_worker_connections(**kwargs):
    # In the worker's thread, after each task: its database connection must not outlive the test.
    connections.close_all()


@pytest.fixture
def worker():
    # The test settings run tasks inline; this test must not. The app reads Django settings
    # under the CELERY_ namespace, so the override goes by that name.
    eager = app.conf.task_always_eager
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.control.purge()  # messages left in this Redis db by an interrupted run
    task_postrun.connect(_close_worker_connections)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.CELERY_TASK_ALWAYS_EAGER = eager


@pytest.mark.parametrize("fake_openrouter", ["local_server"], indirect=True)
def test_a_queued_job_is_run_by_a_celery_worker(make_user, fake_openrouter, worker):
    user = make_user("worker-user")
    dream = DreamFactory(user=user, title="Write a novel")
    fake_openrouter.reply(200, steps_completion(some_steps(4)))
    client = client_for(user)

    response = client.post(f"/api/v1/dreams/{dream.pk}/generate-steps/", {"count": 4}, format="json")

    assert response.status_code == 202 and response.json()["status"] == "pending"
    deadline = time.monotonic() + 30
    job = response.json()
    while job["status"] in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/v1/ai/jobs/{job['id']}/").json()
    assert job["status"] == "succeeded", job
    assert job["steps"] == some_steps(4)
    assert len(fake_openrouter.requests) == 1
