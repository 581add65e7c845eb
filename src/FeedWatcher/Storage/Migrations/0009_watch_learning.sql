-- What a user said about the words a watch learns: pinned (always in what the watch compares items with, as the
-- seed's words are) or banned (never learnt). By watch name, as hits and judgements name it.
CREATE TABLE watch_words (
    watch    text NOT NULL,
    word     text NOT NULL,
    pinned   boolean NOT NULL,
    said_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (watch, word)
);

-- A watch's learning reset: the hits up to last_hit teach it nothing any more, nor the judgements up to
-- last_judgement (0 when the reader kept them).
CREATE TABLE watch_resets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    watch           text NOT NULL,
    last_hit        bigint NOT NULL,
    last_judgement  bigint NOT NULL,
    reset_at        timestamptz NOT NULL DEFAULT now()
);
