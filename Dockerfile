# From Below: a self-hosted Discord bot for people's history.
#
#   docker compose up -d            # the whole deployment (see docker-compose.yml and README "Docker")
#   docker build -t from-below .    # the image alone
#
# Plain Dockerfile syntax only (no BuildKit-only features), so the classic builder works too.

# ---- builder: the Python dependencies in a virtualenv, in their own cached layer ------------------
FROM python:3.12-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
# Only pyproject.toml: editing bot/ or content/ does not invalidate this layer, so rebuilds are fast.
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > requirements.txt \
 && /opt/venv/bin/pip install --requirement requirements.txt

# ---- runtime ----------------------------------------------------------------------------------------
FROM python:3.12-slim

LABEL org.opencontainers.image.title="From Below" \
      org.opencontainers.image.description="A self-hosted Discord bot for people's history" \
      org.opencontainers.image.licenses="MIT"

# The bot's own user (numeric ids, so volume ownership is predictable), and /data owned by it:
# a fresh named volume mounted at /data inherits this ownership.
RUN groupadd --system --gid 10001 frombelow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin frombelow \
 && mkdir -p /data /extra-content \
 && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FROM_BELOW_DATABASE=/data/from_below.sqlite3 \
    FROM_BELOW_CONTENT_DIR=/app/content

WORKDIR /app
COPY bot/ ./bot/
COPY content/ ./content/
# Byte-compile at build time: the non-root user cannot write __pycache__ here, and startup is faster.
RUN python -m compileall -q bot

USER 10001:10001
VOLUME ["/data"]

# The bot handles SIGTERM: it stops taking work, finishes in-flight posts and closes the database.
STOPSIGNAL SIGTERM
# Healthy only while connected to Discord and the scheduler has ticked recently (heartbeat in /data).
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["python", "-m", "bot", "health"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
