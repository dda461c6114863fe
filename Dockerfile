# DreamTrack API image: gunicorn serving dreamtrack.wsgi, static files built in
# (WhiteNoise serves them). The same image runs the Celery worker and the
# one-shot migrations (see docker-compose.yml): starting the API never migrates,
# so run `python manage.py migrate --noinput` (and `seed`) once per release,
# before the new web containers start. Build: docker build -t dreamtrack .

# --- Stage 1: install the runtime requirements into a self-contained venv ----
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Runtime pins only; test tools (requirements-dev.txt) stay out of the image.
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- Stage 2: the runtime image -----------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    WEB_CONCURRENCY=2

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /app app

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .

# Static files are collected at build time. DEBUG must be unset so settings pick
# WhiteNoise's manifest storage (hashed, compressed files; without the manifest
# /readyz answers 503 and `check --deploy` fails, core.E001); the SECRET_KEY is a
# throwaway that only lets settings load, it never reaches a running container.
# media/ is the one directory the app writes to (uploads); a named volume
# mounted there inherits this ownership on first use. Everything else stays
# owned by root, read-only for the app user.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]

# Shell form so ${PORT} and ${WEB_CONCURRENCY} are expanded; `exec` replaces the
# shell, so gunicorn is PID 1 and gets `docker stop`'s SIGTERM (graceful shutdown).
CMD exec gunicorn dreamtrack.wsgi:application \
    --bind 0.0.0.0:${PORT} \
    --workers ${WEB_CONCURRENCY} \
    --access-logfile -
