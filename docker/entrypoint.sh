#!/bin/sh
# Container start: bring the schema up to date, then hand the process over to gunicorn.
set -eu
# Any other command runs as given, e.g. the training worker beside the web container:
# `docker run IMAGE motivo worker` (the web container applies the migrations).
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
motivo db upgrade
exec gunicorn \
  --bind "${MOTIVO_BIND:-0.0.0.0:8000}" \
  --workers "${WEB_CONCURRENCY:-2}" \
  --threads "${GUNICORN_THREADS:-4}" \
  --access-logfile - \
  --no-control-socket \
  'web:create_app()'
