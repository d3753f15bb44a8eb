# speakup: the Slack app for Freedom to Speak Up and safeguarding concerns.
#   docker build -t speakup .
#   docker run -p 3000:3000 -v speakup-data:/data --env-file speakup.env speakup
# Settings come from the environment (see README.md); with no DATABASE_URL the SQLite file
# lives in /data, so mount a volume there or point DATABASE_URL at PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --create-home --home-dir /data speakup
USER speakup
WORKDIR /data
# Owned by the app, so a volume mounted here (the monthly shred keys) starts out writable.
RUN mkdir -m 700 /data/speakup-shred-keys

EXPOSE 3000
# No curl in slim images: ask Python. /healthz answers while the process is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('PORT') or '3000'), timeout=4)" || exit 1

CMD ["speakup", "serve", "--http"]
