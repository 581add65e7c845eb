-- Retention: the text of an item that is no hit can be dropped while its identity stays, for as long as its feed
-- lists it and a margin after. listed_at is when a poll with a body last found the item in its feed (refreshed at
-- most weekly, so that a feed's items are not rewritten at every poll; null: first_seen_at); last_body_at is when
-- the feed last answered with a body.
ALTER TABLE items ADD COLUMN listed_at timestamptz, ADD COLUMN text_dropped_at timestamptz;
ALTER TABLE feeds ADD COLUMN last_body_at timestamptz;
UPDATE feeds SET last_body_at = last_success_at WHERE last_status_code = 200;
-- A sent digest's message can be dropped; what it carried (digest_hits) stays, so that nothing is sent twice.
ALTER TABLE digests ADD COLUMN message_dropped_at timestamptz;
-- Each scheduled run of the cleanup, once, whichever instance runs it.
CREATE TABLE retention_runs (
    fire_time   timestamptz PRIMARY KEY,
    instance    text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    removed     jsonb
);
