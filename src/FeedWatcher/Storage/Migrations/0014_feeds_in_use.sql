-- Whether a feed is polled: configured (set by each poll cycle from the settings it runs with) or added with
-- `feeds add` or OPML. Due feeds are read in (next_poll_at, id) order from an index of only these, so that feeds that
-- left the settings or were removed, due for good since they are never polled again, are not read by every claim.
ALTER TABLE feeds ADD COLUMN in_use boolean NOT NULL DEFAULT false;
UPDATE feeds SET in_use = true WHERE source = 'imported';
DROP INDEX feeds_due;
CREATE INDEX feeds_due ON feeds (next_poll_at, id) WHERE status = 'active' AND in_use;
