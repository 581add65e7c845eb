-- Feeds polled, with what conditional GET needs and the feed's health.
CREATE TABLE feeds (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                  text NOT NULL UNIQUE,
    name                 text,
    etag                 text,
    last_modified        text,
    primed               boolean NOT NULL DEFAULT false,  -- first poll done: its items were recorded as seen
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_polled_at       timestamptz,
    last_success_at      timestamptz,
    last_error           text,
    last_error_at        timestamptz,
    consecutive_failures integer NOT NULL DEFAULT 0,
    next_poll_at         timestamptz NOT NULL DEFAULT now()
);

-- Every item ever seen; the unique key is what keeps an item from being processed twice.
CREATE TABLE items (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id       bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    item_key      text NOT NULL,
    title         text NOT NULL,
    link          text,
    summary       text NOT NULL,
    published_at  timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL,
    UNIQUE (feed_id, item_key)
);

-- An item matched a watch; sent_at is set once a digest carrying it was delivered.
CREATE TABLE hits (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id    bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    watch      text NOT NULL,
    matched    text[] NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    UNIQUE (item_id, watch)
);

CREATE INDEX hits_unsent ON hits (created_at) WHERE sent_at IS NULL;
