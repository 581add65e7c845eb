-- Each hit's score in [0, 1] for its watch, and why it matched (terms found and where, seed terms shared,
-- the parts of the score), as the digest shows them.
ALTER TABLE hits
    ADD COLUMN score       real NOT NULL DEFAULT 1,
    ADD COLUMN explanation jsonb;
