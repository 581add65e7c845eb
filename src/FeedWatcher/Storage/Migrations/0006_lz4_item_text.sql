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
