-- Each running worker says it is alive every 30 s, with its scheduler's state and its last poll, so that
-- `feedwatcher status` can tell, from any process on any machine, whether polling is really happening.
CREATE TABLE workers (
    instance     text PRIMARY KEY,          -- host:pid
    host         text NOT NULL,
    pid          integer NOT NULL,
    version      text NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    scheduler    text NOT NULL,             -- running | standby | stopped
    last_poll_at timestamptz,
    last_poll    text,                      -- what the last poll cycle did
    stopped_at   timestamptz
);
