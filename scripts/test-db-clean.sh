#!/usr/bin/env bash
# Drops per-test databases and migrated templates left by earlier runs (a test
# killed mid-way cannot drop its own). Templates are rebuilt on demand.
set -euo pipefail
host=${TASKFLOW_DATABASE__HOST:-127.0.0.1}
port=${TASKFLOW_DATABASE__PORT:-5432}
PGPASSWORD=${TASKFLOW_DATABASE__OWNER_PASSWORD:?} psql -X -q -v ON_ERROR_STOP=1 \
  "host=$host port=$port user=taskflow_owner dbname=postgres" <<'SQL'
-- `if exists`: another run may drop the same database between the select and the drop.
select format('drop database if exists %I with (force)', datname)
from pg_database
where datname like 'taskflow\_test\_%' or datname like 'taskflow\_tpl\_%'
\gexec
SQL
