-- A hit a digest held back as like an item judged not relevant for its watch (Digests/HeldBack.cs): on the watch's page
-- and in `feedwatcher hits` as any hit, counted but not shown in the digest, and learnt from as a judgement against.
-- A reset of the watch forgets those held back before it, as it forgets its hits.
CREATE TABLE held_back (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hit_id    bigint NOT NULL UNIQUE REFERENCES hits (id) ON DELETE CASCADE,
    like_item bigint REFERENCES items (id) ON DELETE SET NULL,
    held_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE watch_resets ADD COLUMN last_held_back bigint NOT NULL DEFAULT 0;
