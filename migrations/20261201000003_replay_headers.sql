-- A replayed create answers with the first response's headers too: a task's
-- ETag (issue 22), so a retried create can go straight on to a PATCH.
alter table idempotency_keys add column etag text;
