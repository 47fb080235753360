-- The portfolio board as last computed (the grid's rows and header as
-- JSON), so a large portfolio opens without re-scoring every use case.
-- Derived data only: every write transaction empties it (db::write_tx, the
-- one way the store begins a write), and a binary reads only its own
-- `format`; the store keeps one board at a time.
CREATE TABLE board_cache (
    as_of  TEXT NOT NULL,
    format TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (as_of, format)
);
