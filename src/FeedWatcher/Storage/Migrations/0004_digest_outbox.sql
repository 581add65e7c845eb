-- The digest outbox: each digest is created, with the hits it claims, in one transaction, and its message is
-- kept as rendered, so that a send repeated after a crash is the same message with the same Message-ID.
-- state: pending (waiting for its next attempt) -> sending (leased by one worker until lease_until) -> sent,
-- or failed (a permanent SMTP error, or transient ones for too long).
CREATE TABLE digests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,                 -- the digest's name in the configuration
    period          text NOT NULL,                 -- the scheduled time it was made for, or manual:/alert: and a key
    message_id      text NOT NULL UNIQUE,
    subject         text NOT NULL,
    recipients      text[] NOT NULL,
    message         bytea NOT NULL,                -- the whole MIME message, as it is sent
    stories         integer NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    reported_in     bigint REFERENCES digests (id) ON DELETE SET NULL, -- the digest that told the reader this one failed
    UNIQUE (name, period)
);

CREATE INDEX digests_due ON digests (next_attempt_at) WHERE state IN ('pending', 'sending');

-- Which digest carries each hit: a hit is claimed at most once per digest name.
CREATE TABLE digest_hits (
    digest_name text NOT NULL,
    hit_id      bigint NOT NULL REFERENCES hits (id) ON DELETE CASCADE,
    digest_id   bigint NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    PRIMARY KEY (digest_name, hit_id)
);

CREATE INDEX digest_hits_digest ON digest_hits (digest_id);

-- hits.sent_at now only marks hits delivered before digests were recorded: those are never sent again.
COMMENT ON COLUMN hits.sent_at IS 'set only for hits delivered before the digest outbox (0004); claims are in digest_hits';
