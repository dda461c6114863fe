"""The job's life outside the request: queued not run, throttled, swept when stale, never stuck."""
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.throttling import SimpleRateThrottle

from apps.ai_steps import openrouter, tasks
from apps.ai_steps.models import StepGenerationJob
from apps.ai_steps.runner import job_run
from apps.dreams.tests.factories import DreamFactory
from apps.tasks.models import Task

from .fakes import some_steps, steps_completion

pytestmark = pytest.mark.django_db

Status = StepGenerationJob.Status


@pytest.fixture
def dream(user):
    return DreamFactory(user=user, title="Learn the piano")


def url(dream) -> str:
    return f"/api/v1/dreams/{dream.pk}/generate-steps/"


def make_job(dream, **fields) -> StepGenerationJob:
    request = {"title": dream.title, "description": "", "notes": "", "language": "", "count": 3}
    return StepGenerationJob.objects.create(user=dream.user, dream=dream, request=request, **fields)


def test_the_request_only_queues_the_job_and_never_calls_openrouter(auth_client, dream, fake_openrouter, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.generate_dream_steps, "apply_async", lambda args, **kw: queued.append((args, kw)))
    fake_openrouter.reply(200, steps_completion(some_steps(3)))

    with django_capture_on_commit_callbacks(execute=True):
        r = auth_client.post(url(dream), {"count": 3}, format="json")

    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert queued == [([r.json()["id"]], {"expires": 15 * 60.0})]
    assert fake_openrouter.requests == []  # nothing called during the request
    # The worker's part, run here by hand:
    job_run(job_id=r.json()["id"])
    assert auth_client.get(f"/api/v1/ai/jobs/{r.json()['id']}/").json()["status"] == "succeeded"
    assert len(fake_openrouter.requests) == 1


def test_a_job_runs_at_most_once(dream, fake_openrouter):
    fake_openrouter.reply(200, steps_completion(some_steps(3)))
    job = make_job(dream)
    job_run(job_id=job.pk)
    job_run(job_id=job.pk)  # a duplicate delivery of the message
    assert len(fake_openrouter.requests) == 1
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.started_at and job.finished_at


def test_generation_is_throttled_per_user(auth_client, dream, fake_openrouter, monkeypatch, make_user):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "ai": "2/hour"})
    for _ in range(2):
        fake_openrouter.reply(200, steps_completion(some_steps(3)))
    with time_machine.travel(datetime(2026, 5, 1, 12, 30, tzinfo=UTC), tick=False):
        assert [auth_client.post(url(dream), {"count": 3}, format="json").status_code for _ in range(2)] == [202, 202]
        r = auth_client.post(url(dream), {"count": 3}, format="json")
        assert r.status_code == 429 and r.json()["code"] == "throttled" and int(r["Retry-After"]) > 0
        assert StepGenerationJob.objects.count() == 2
        # Another player has a bucket of their own.
        from conftest import client_for

        other = make_user("bob")
        assert client_for(other).post(url(DreamFactory(user=other)), {"count": 3}, format="json").status_code == 202


def test_the_daily_job_fails_stale_jobs_and_leaves_fresh_ones(dream, fake_openrouter):
    start = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old_pending = make_job(dream)
        old_running = make_job(dream, status=Status.RUNNING, started_at=start)
        done = make_job(dream, status=Status.SUCCEEDED, started_at=start, finished_at=start, steps=some_steps(3))
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        fresh_running = make_job(dream, status=Status.RUNNING, started_at=start + timedelta(minutes=14))
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        call_command("run_daily_jobs", stdout=io.StringIO())

    statuses = {j.pk: (j.status, j.error_code) for j in StepGenerationJob.objects.all()}
    assert statuses == {
        old_pending.pk: ("failed", "stale"),
        old_running.pk: ("failed", "stale"),
        done.pk: ("succeeded", ""),
        fresh_running.pk: ("running", ""),
    }
    assert StepGenerationJob.objects.get(pk=old_running.pk).error == "The job did not finish in time; try again."
    # A message for the swept job arriving late runs nothing.
    job_run(job_id=old_pending.pk)
    assert fake_openrouter.requests == []


def test_a_late_answer_does_not_revive_a_swept_job(dream, fake_openrouter, monkeypatch):
    from apps.ai_steps.services import jobs_fail_stale

    job = make_job(dream)

    def slow_call(**kwargs):
        # The call outlives the stale limit: the sweep runs while it is in flight.
        assert jobs_fail_stale(now=datetime.now(UTC) + timedelta(hours=1)) == 1
        return openrouter.Proposal(steps=some_steps(3), model="test/model")

    monkeypatch.setattr(openrouter, "propose_steps", slow_call)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code, job.steps) == ("failed", "stale", [])


def test_an_unexpected_error_fails_the_job_instead_of_leaving_it_running(dream, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(openrouter, "propose_steps", boom)
    job = make_job(dream)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "internal_error")
    assert "try again" in job.error and "bug" not in job.error


def test_a_broker_that_cannot_be_reached_fails_the_job_with_a_readable_error(auth_client, dream, fake_openrouter, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.generate_dream_steps, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        r = auth_client.post(url(dream), {"count": 3}, format="json")

    job = auth_client.get(f"/api/v1/ai/jobs/{r.json()['id']}/").json()
    assert (job["status"], job["error_code"]) == ("failed", "queue_unavailable")
    assert job["error"] == "The job could not be queued; try again later."


def test_deleting_the_dream_deletes_its_jobs_and_a_queued_message_runs_nothing(dream, fake_openrouter):
    job = make_job(dream)
    dream.delete()
    assert not StepGenerationJob.objects.filter(pk=job.pk).exists()
    job_run(job_id=job.pk)
    assert fake_openrouter.requests == [] and Task.objects.count() == 0


def test_the_admin_shows_jobs_read_only(admin_client, dream):
    job = make_job(dream, status=Status.FAILED, error="OpenRouter refused the request (HTTP 401).", error_code="upstream_error")
    assert admin_client.get("/admin/ai_steps/stepgenerationjob/").status_code == 200
    page = admin_client.get(f"/admin/ai_steps/stepgenerationjob/{job.pk}/change/")
    assert page.status_code == 200 and "HTTP 401" in page.content.decode()
    assert admin_client.get("/admin/ai_steps/stepgenerationjob/add/").status_code == 403


def test_export_lists_the_jobs(user, dream):
    from conftest import exported

    make_job(dream)
    assert [j["request"]["title"] for j in exported(user)["ai_steps"]] == ["Learn the piano"]
