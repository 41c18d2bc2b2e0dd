#!/bin/sh
# Container start: bring the schema up to date, then hand the process over to gunicorn.
set -eu
motivo db upgrade
exec gunicorn \
  --bind "${MOTIVO_BIND:-0.0.0.0:8000}" \
  --workers "${WEB_CONCURRENCY:-2}" \
  --threads "${GUNICORN_THREADS:-4}" \
  --access-logfile - \
  'web:create_app()'
