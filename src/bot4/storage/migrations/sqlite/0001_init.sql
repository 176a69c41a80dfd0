-- Bot4 schema v1 (embedded SQLite). The same tables and columns as migrations/postgres,
-- without partitions (retention deletes by ts_event).

CREATE TABLE bot4_batches (
    writer_id  TEXT    NOT NULL,
    batch_id   INTEGER NOT NULL,
    table_name TEXT    NOT NULL,
    n_rows     INTEGER NOT NULL,
    PRIMARY KEY (writer_id, batch_id)
);

CREATE TABLE trades (
    instrument_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_event INTEGER NOT NULL,
    ts_init INTEGER NOT NULL, price INTEGER NOT NULL, qty INTEGER NOT NULL, aggressor INTEGER,
    trade_id TEXT NOT NULL
);
CREATE TABLE book_deltas (
    instrument_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_event INTEGER NOT NULL,
    ts_init INTEGER NOT NULL, side INTEGER, price INTEGER NOT NULL, qty INTEGER NOT NULL,
    is_snapshot INTEGER NOT NULL
);
CREATE TABLE top_of_book (
    instrument_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_event INTEGER NOT NULL,
    ts_init INTEGER NOT NULL, bid_price INTEGER, bid_qty INTEGER, ask_price INTEGER,
    ask_qty INTEGER
);
CREATE TABLE candles (
    instrument_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_event INTEGER NOT NULL,
    ts_init INTEGER NOT NULL, interval TEXT NOT NULL, open INTEGER NOT NULL,
    high INTEGER NOT NULL, low INTEGER NOT NULL, close INTEGER NOT NULL, volume INTEGER NOT NULL,
    trades INTEGER NOT NULL, closed INTEGER NOT NULL, ts_close INTEGER NOT NULL
);

CREATE TABLE journal (
    seq INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL
);
CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY, instrument_id TEXT NOT NULL, side INTEGER NOT NULL,
    order_type TEXT NOT NULL, time_in_force TEXT NOT NULL, qty INTEGER NOT NULL, price INTEGER,
    status TEXT NOT NULL, strategy_id TEXT NOT NULL, last_seq INTEGER NOT NULL,
    ts_event INTEGER NOT NULL
);
CREATE TABLE fills (
    seq INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL, instrument_id TEXT NOT NULL,
    venue_order_id TEXT NOT NULL, fill_id TEXT NOT NULL, side INTEGER NOT NULL,
    last_qty INTEGER NOT NULL, last_price INTEGER NOT NULL, fee INTEGER NOT NULL,
    liquidity TEXT NOT NULL, ts_event INTEGER NOT NULL
);
CREATE TABLE risk_decisions (
    seq INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL, instrument_id TEXT NOT NULL,
    decision TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, ts_event INTEGER NOT NULL
);
CREATE TABLE emergency_stop (
    seq INTEGER PRIMARY KEY, state TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
    ts_event INTEGER NOT NULL
);
CREATE TABLE kill_switch_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), payload BLOB NOT NULL, ts_ns INTEGER NOT NULL
);
