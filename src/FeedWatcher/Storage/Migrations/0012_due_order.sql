-- Due feeds are claimed in (next_poll_at, id) order: the index gives that order, so a claim reads no more than it takes.
DROP INDEX feeds_due;
CREATE INDEX feeds_due ON feeds (next_poll_at, id) WHERE status = 'active';
