-- Items are the table every poll writes most to; two costs per item row go.

-- Long item texts are compressed with lz4, several times cheaper to write than the default pglz, where the
-- server was built with it (PostgreSQL 14 and later, as packaged by Debian and the PostgreSQL project);
-- elsewhere they stay as they were.
DO $$
BEGIN
    ALTER TABLE items ALTER COLUMN summary SET COMPRESSION lz4, ALTER COLUMN title SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 compression is not available: item texts keep the default compression';
END
$$;

-- The foreign key from items to feeds cost a lookup and a row lock on the feed for every item inserted. Feeds
-- are never deleted (a removed feed is only marked so), and the statement that stores a poll inserts its items
-- only together with the update of their feed's row, which it locks: an item cannot be stored without its feed.
ALTER TABLE items DROP CONSTRAINT IF EXISTS items_feed_id_fkey;
