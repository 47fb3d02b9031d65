#!/bin/sh
# A streaming replica of the `db` service: on first start, copy the primary with pg_basebackup
# (-R makes it a standby that streams from the primary from then on), then serve read-only.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h db -U replicator -D "$PGDATA" -R -X stream; do
    echo "waiting for the primary…"
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
