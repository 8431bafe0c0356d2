#!/bin/sh
# Entry point of the mspromo image (docker/Dockerfile).
#   serve [gunicorn options]  gunicorn with mspromo_service.gunicorn_conf (the default);
#                             with MSPROMO_MIGRATE_ON_START=1 it migrates first
#   migrate [REVISION]        `mspromo db upgrade` (an init container or a Job), then exits
#   anything else             run as given
# `exec` keeps gunicorn as PID 1, so SIGTERM reaches it and it exits 0 after a graceful stop.
set -eu

command="${1:-serve}"
[ $# -gt 0 ] && shift

case "$command" in
    migrate)
        exec mspromo db upgrade "$@"
        ;;
    serve)
        if [ "${MSPROMO_MIGRATE_ON_START:-0}" = 1 ]; then
            # Meant for one instance on the SQLite default; several replicas on one MySQL
            # database migrate with `migrate` in a Job instead (docs/operations.md).
            mspromo db upgrade
        fi
        exec gunicorn -c python:mspromo_service.gunicorn_conf "$@" mspromo_service.wsgi:app
        ;;
    *)
        exec "$command" "$@"
        ;;
esac
