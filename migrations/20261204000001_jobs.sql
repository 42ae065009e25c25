-- Background jobs (issue 19): the base for webhooks, mail, reminders and
-- imports. A job is a row, inserted in the same transaction as the change
-- that causes it (a change that rolls back enqueues nothing), claimed by the
-- workers of every replica with FOR UPDATE SKIP LOCKED, held under a lease
-- the running worker keeps renewing (a worker killed mid-job lets its lease
-- lapse and another worker takes the job), retried with backoff, and dead
-- after max_attempts. Only global admins read the queue; workers reach it
-- through the definer functions below (they act for no one, so no RLS
-- identity of theirs could see every job).

create table jobs (
    -- A UUIDv7 made by the server: ordering by it is ordering by enqueue time.
    job_id uuid not null,
    -- What runs it: a handler in src/service/jobs.rs, e.g. "diagnostic.ping".
    kind text not null,
    payload jsonb not null default '{}',
    state text not null default 'queued',
    -- Claims so far (the running one included).
    attempts integer not null default 0,
    max_attempts integer not null,
    -- How long one attempt may run before it counts as failed.
    timeout_ms integer not null,
    -- Not before: the enqueue time, or when the next retry is due.
    run_at timestamptz not null default now(),
    locked_by text,
    locked_until timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    last_error text,
    -- What the handler reported on success (an import's report, say).
    result jsonb,
    enqueued_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint jobs_pkey primary key (job_id),
    constraint jobs_kind_check check (kind ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)*$' and length(kind) <= 64),
    constraint jobs_state_check check (state in ('queued', 'running', 'done', 'dead')),
    constraint jobs_attempts_check check (attempts between 0 and max_attempts),
    constraint jobs_max_attempts_check check (max_attempts between 1 and 100),
    constraint jobs_timeout_check check (timeout_ms between 1 and 3600000),
    -- A running job has a holder and a lease; nothing else does.
    constraint jobs_lease_check check ((state = 'running') = (locked_by is not null and locked_until is not null)),
    constraint jobs_finished_check check ((state in ('done', 'dead')) = (finished_at is not null)),
    constraint jobs_last_error_check check (length(last_error) <= 2000),
    constraint jobs_enqueued_by_fkey foreign key (enqueued_by) references users (user_id) on delete set null
);

-- The claim: the next due job, oldest first.
create index jobs_ready_idx on jobs (run_at, job_id) where state = 'queued';
-- The claim: leases that lapsed (a worker died).
create index jobs_lease_idx on jobs (locked_until) where state = 'running';
-- GET /admin/jobs?state=, newest first (job ids are UUIDv7: time-ordered,
-- so the primary key serves the list of all), and the prune.
create index jobs_state_idx on jobs (state, job_id desc);
-- Erasure's set null.
create index jobs_enqueued_by_idx on jobs (enqueued_by) where enqueued_by is not null;

create trigger jobs_updated_at before update on jobs
    for each row execute function trigger_updated_at();

-- Wake the workers when the enqueuing transaction commits (NOTIFY is
-- delivered at commit, and not at all on rollback): once per statement, so
-- a thousand jobs inserted at once wake them once.
create function private.jobs_notify() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('taskflow_jobs', '');
    return null;
end;
$$;
create trigger jobs_notify after insert on jobs
    for each statement execute function private.jobs_notify();

-- The app enqueues (as whoever causes the job) and global admins read the
-- queue and send a dead job back; the workers' claims, renewals and
-- outcomes go through the definer functions.
revoke update, delete, truncate on jobs from taskflow_app;
grant update (state, attempts, run_at, finished_at, last_error) on jobs to taskflow_app;

alter table jobs enable row level security;
alter table jobs force row level security;

create policy jobs_select on jobs for select using (app.is_admin());
-- A fresh job, in the name of the caller (or of no one, for the CLI).
create policy jobs_insert on jobs for insert with check (
    state = 'queued' and attempts = 0 and locked_by is null and locked_until is null
    and started_at is null and finished_at is null and result is null
    and enqueued_by is not distinct from app.current_user_id());
-- Retry: a dead job queued again, by a global admin.
create policy jobs_update on jobs for update using (app.is_admin() and state = 'dead')
    with check (app.is_admin() and state = 'queued' and attempts = 0);

-- The workers' side. p_worker names the worker ("host:pid:instance:n"); a
-- claim holds the job until now + p_lease_seconds, renewed by
-- heartbeat_job. p_kinds: the kinds the worker's build can run (during a
-- rolling deploy an older worker leaves a newer release's kinds alone).
create function private.claim_job(p_worker text, p_lease_seconds integer, p_kinds text[]) returns setof public.jobs
    language plpgsql volatile security definer
    set search_path = ''
    as $$
declare
    v_id uuid;
begin
    -- A lapsed lease on the last attempt: the job is dead, not run again.
    update public.jobs set state = 'dead', locked_by = null, locked_until = null, finished_at = now(),
           last_error = 'lease expired: the worker running attempt ' || attempts || ' stopped renewing it'
    where job_id in (select j.job_id from public.jobs j
                     where j.state = 'running' and j.locked_until < now() and j.attempts >= j.max_attempts
                     for update skip locked);
    -- A lapsed lease with attempts left: taken over first (it waited longest).
    select j.job_id into v_id from public.jobs j
    where j.state = 'running' and j.locked_until < now() and j.attempts < j.max_attempts
      and j.kind = any (p_kinds)
    order by j.locked_until limit 1 for update skip locked;
    if v_id is null then
        select j.job_id into v_id from public.jobs j
        where j.state = 'queued' and j.run_at <= now() and j.kind = any (p_kinds)
        order by j.run_at, j.job_id limit 1 for update skip locked;
    end if;
    if v_id is null then
        return;
    end if;
    return query
        update public.jobs set state = 'running', attempts = attempts + 1, locked_by = p_worker,
               locked_until = now() + make_interval(secs => p_lease_seconds), started_at = now()
        where job_id = v_id
        returning *;
end;
$$;

-- Renew the lease of the attempt this worker holds; false when it lost it
-- (the job was taken over after a lapse), and the worker must stop.
create function private.heartbeat_job(p_job uuid, p_worker text, p_attempt integer, p_lease_seconds integer)
    returns boolean
    language sql volatile security definer
    set search_path = ''
    as $$
        with renewed as (
            update public.jobs set locked_until = clock_timestamp() + make_interval(secs => p_lease_seconds)
            where job_id = p_job and state = 'running' and locked_by = p_worker and attempts = p_attempt
            returning 1)
        select exists (select 1 from renewed)
    $$;

-- The attempt succeeded: done, with what the handler reported. False when
-- the attempt no longer held the job.
create function private.finish_job(p_job uuid, p_worker text, p_attempt integer, p_result jsonb)
    returns boolean
    language sql volatile security definer
    set search_path = ''
    as $$
        with done as (
            update public.jobs set state = 'done', locked_by = null, locked_until = null,
                   finished_at = clock_timestamp(), result = p_result, last_error = null
            where job_id = p_job and state = 'running' and locked_by = p_worker and attempts = p_attempt
            returning 1)
        select exists (select 1 from done)
    $$;

-- The attempt failed: queued again after p_retry_in_ms, or dead when it
-- was the last. Returns the new state; no row when the attempt no longer
-- held the job.
create function private.fail_job(p_job uuid, p_worker text, p_attempt integer, p_error text, p_retry_in_ms bigint)
    returns setof text
    language sql volatile security definer
    set search_path = ''
    as $$
        update public.jobs set
            state = case when attempts >= max_attempts then 'dead' else 'queued' end,
            run_at = case when attempts >= max_attempts then run_at
                          else clock_timestamp() + make_interval(secs => p_retry_in_ms / 1000.0) end,
            finished_at = case when attempts >= max_attempts then clock_timestamp() end,
            locked_by = null, locked_until = null, last_error = left(p_error, 2000)
        where job_id = p_job and state = 'running' and locked_by = p_worker and attempts = p_attempt
        returning state
    $$;

-- Shutdown: the attempt did not run to an end, so it does not count; the
-- job is due again at once for another worker.
create function private.release_job(p_job uuid, p_worker text, p_attempt integer) returns boolean
    language sql volatile security definer
    set search_path = ''
    as $$
        with released as (
            update public.jobs set state = 'queued', attempts = attempts - 1, run_at = clock_timestamp(),
                   locked_by = null, locked_until = null
            where job_id = p_job and state = 'running' and locked_by = p_worker and attempts = p_attempt
            returning 1)
        select exists (select 1 from released)
    $$;

-- /metrics: per kind, the jobs waiting (due or not) and how long the
-- oldest due one has waited.
create function private.job_queue_stats() returns table (kind text, depth bigint, oldest_seconds double precision)
    language sql stable security definer
    set search_path = ''
    as $$
        select j.kind, count(*),
               coalesce(extract(epoch from now() - min(j.run_at) filter (where j.run_at <= now())), 0)::float8
        from public.jobs j where j.state = 'queued' group by j.kind
    $$;

-- `taskflow prune`: finished jobs (done or dead) older than p_days go.
create function private.prune_jobs(p_days integer) returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with gone as (
            delete from public.jobs j
            where j.state in ('done', 'dead') and j.finished_at < now() - make_interval(days => p_days)
            returning 1)
        select count(*) from gone
    $$;

grant select, update, delete on jobs to taskflow_definer;
alter function private.claim_job(text, integer, text[]) owner to taskflow_definer;
alter function private.heartbeat_job(uuid, text, integer, integer) owner to taskflow_definer;
alter function private.finish_job(uuid, text, integer, jsonb) owner to taskflow_definer;
alter function private.fail_job(uuid, text, integer, text, bigint) owner to taskflow_definer;
alter function private.release_job(uuid, text, integer) owner to taskflow_definer;
alter function private.job_queue_stats() owner to taskflow_definer;
alter function private.prune_jobs(integer) owner to taskflow_definer;
revoke all on function private.claim_job(text, integer, text[]), private.heartbeat_job(uuid, text, integer, integer),
    private.finish_job(uuid, text, integer, jsonb), private.fail_job(uuid, text, integer, text, bigint),
    private.release_job(uuid, text, integer), private.job_queue_stats(), private.prune_jobs(integer) from public;
grant execute on function private.claim_job(text, integer, text[]), private.heartbeat_job(uuid, text, integer, integer),
    private.finish_job(uuid, text, integer, jsonb), private.fail_job(uuid, text, integer, text, bigint),
    private.release_job(uuid, text, integer), private.job_queue_stats(), private.prune_jobs(integer) to taskflow_app;
