-- Each person's time zone (issue 16): reports bucket days and weeks in it.
-- The application accepts only IANA names (chrono-tz); the check bounds the
-- column for anything that writes around it. Existing accounts start in UTC,
-- the zone every report used until now.
alter table users add column time_zone text not null default 'UTC';
alter table users add constraint users_time_zone_length check (char_length(time_zone) between 1 and 64);
