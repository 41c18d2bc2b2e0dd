# Motivo as a container: gunicorn behind your proxy, PostgreSQL through DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MOTIVO_INSTANCE_PATH=/data

RUN useradd --create-home --uid 10001 motivo \
    && mkdir -p /data \
    && chown motivo:motivo /data

WORKDIR /app
# System libraries from the one list Motivo keeps (Pango for PDF reports, a font).
COPY requirements ./requirements
COPY requirements.txt ./
RUN apt-get update \
    && apt-get install -y --no-install-recommends $(sed 's/#.*//' requirements/debian-runtime.txt) \
    && rm -rf /var/lib/apt/lists/*
# Python packages from the lock: exact versions, hashes checked.
RUN pip install --require-hashes -r requirements.txt
COPY pyproject.toml README.md ./
COPY recommender ./recommender
COPY models ./models
COPY services ./services
COPY web ./web
COPY seed ./seed
RUN pip install --no-deps --no-build-isolation . && rm -rf /app/build

COPY docker/entrypoint.sh /usr/local/bin/motivo-entrypoint

USER motivo
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["motivo-entrypoint"]
