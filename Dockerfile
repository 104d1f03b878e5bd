# The bot's web process (HTTP mode), as the Procfile's `web:` line runs it.
#   docker build -t mistral-setup-bot .
#   docker run --env-file .env -p 3000:3000 mistral-setup-bot
# compose.yaml runs it beside a Redis that keeps its data.
#
# The base image is named by tag, which its publisher moves with every patch release.
# Pin it by digest for builds that are the same and tamper-evident: look the digest up with
#   docker buildx imagetools inspect python:3.11-slim --format '{{json .Manifest.Digest}}'
# and build with --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<that digest> (or write it
# here). It is not written here because it was not known where this file was last edited
# (no Docker, no registry); a digest made up would break every build.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /app

# Every package pinned and checked against its hash (scripts/lock makes the file).
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.lock

# The bot runs from its folder, with its content beside it, as in a checkout.
COPY bot bot
COPY content content

RUN useradd --create-home --uid 10001 bot
USER bot

EXPOSE 3000
# What a platform's health check asks too: 200 while the process serves (Redis is in the body).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
# Exec form: Python is PID 1 and gets the platform's SIGTERM, so a restart finishes the
# replies already owed (SHUTDOWN_GRACE_SECONDS) before exiting.
CMD ["python", "-m", "bot", "web"]
