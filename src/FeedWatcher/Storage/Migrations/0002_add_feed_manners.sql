-- Where a feed is fetched from after permanent redirects, whether it still exists, where it came from.
ALTER TABLE feeds
    ADD COLUMN fetch_url        text,                             -- NULL: fetched from url
    ADD COLUMN status           text NOT NULL DEFAULT 'active',   -- active | gone (HTTP 410: never polled again)
    ADD COLUMN source           text NOT NULL DEFAULT 'config',   -- config | imported (OPML)
    ADD COLUMN last_status_code integer,
    ADD COLUMN moved_at         timestamptz,
    ADD COLUMN ttl_minutes      integer;                          -- the feed's own RSS <ttl>

CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE status = 'active';
