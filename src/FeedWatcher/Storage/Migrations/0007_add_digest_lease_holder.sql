-- Which worker (host:pid) holds a digest's lease, so that a lease held by a worker known to be dead (its process
-- gone, or its heartbeat silent) is taken over at once rather than when it runs out.
ALTER TABLE digests ADD COLUMN leased_by text;
