#!/usr/bin/env bash
# Prints "table rows digest" for every table in public: the digest is an md5
# over the rows in primary-key order (a table without one, such as
# time_rollups whose key has a nullable column, in the order of its rows'
# text), so two databases with the same content print the same lines. Needs
# a connection that RLS does not filter.
set -euo pipefail
url=${1:?usage: table-digests.sh DATABASE_URL}
psql -X -q -At -v ON_ERROR_STOP=1 "$url" <<'SQL' | sort
select format(
  'select %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, ''|'' order by %s)), ''-'') from %I.%I t',
  c.relname,
  coalesce((select string_agg(quote_ident(a.attname), ', ' order by k.ord)
     from pg_index i
     cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = c.oid and i.indisprimary), 't::text'),
  n.nspname, c.relname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind = 'r' and c.relname <> '_sqlx_migrations'
order by c.relname
\gexec
SQL
