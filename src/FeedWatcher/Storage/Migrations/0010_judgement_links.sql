-- The keys that sign the judgement links of digests (HMAC-SHA256): the newest signs, every one kept verifies, and a
-- rotation adds one (and may remove the others, so that the links they signed stop working).
CREATE TABLE link_keys (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    secret      bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A judgement given with a digest's link carries that link's signature: a link is used once.
ALTER TABLE judgements ADD COLUMN link text;
CREATE UNIQUE INDEX judgements_link ON judgements (link) WHERE link IS NOT NULL;
