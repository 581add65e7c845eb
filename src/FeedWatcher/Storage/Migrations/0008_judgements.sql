-- A reader's judgement of an item for a watch: what the watch learns from, kept for good and replayed in order.
CREATE TABLE judgements (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    watch      text NOT NULL,
    item_id    bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    relevant   boolean NOT NULL,
    judged_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX judgements_item ON judgements (item_id);
