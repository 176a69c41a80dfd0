-- Bot4 schema v1 (PostgreSQL). Applied once, in one transaction, by bot4.storage._migrate.
-- Market-data tables are range-partitioned by ts_event (ns): the marker below becomes
-- "PARTITION BY RANGE (ts_event)" on plain PostgreSQL and stays a comment when TimescaleDB
-- turns them into hypertables. Prices and quantities are the core's fixed-point ints (bigint).

-- Idempotent market-data batches: the id is inserted in the same transaction as the batch's COPY,
-- so a retry after an unknown commit outcome finds it and skips the rows.
CREATE TABLE bot4_batches (
    writer_id  text        NOT NULL,
    batch_id   bigint      NOT NULL,
    table_name text        NOT NULL,
    n_rows     integer     NOT NULL,
    landed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (writer_id, batch_id)
);

CREATE TABLE trades (
    instrument_id text     NOT NULL,
    seq           bigint   NOT NULL,  -- per (table, instrument), assigned by the writer
    ts_event      bigint   NOT NULL,  -- ns at the exchange
    ts_init       bigint   NOT NULL,  -- ns when Bot4 built the event
    price         bigint   NOT NULL,  -- price units
    qty           bigint   NOT NULL,  -- size units
    aggressor     smallint,           -- 1 buy, -1 sell, NULL unknown
    trade_id      text     NOT NULL
) /*PARTITION_BY*/;
CREATE INDEX trades_ts_brin ON trades USING brin (ts_event);

CREATE TABLE book_deltas (
    instrument_id text     NOT NULL,
    seq           bigint   NOT NULL,
    ts_event      bigint   NOT NULL,
    ts_init       bigint   NOT NULL,
    side          smallint,           -- 1 bid, -1 ask
    price         bigint   NOT NULL,
    qty           bigint   NOT NULL,  -- 0 deletes the level
    is_snapshot   boolean  NOT NULL
) /*PARTITION_BY*/;
CREATE INDEX book_deltas_ts_brin ON book_deltas USING brin (ts_event);

CREATE TABLE top_of_book (
    instrument_id text     NOT NULL,
    seq           bigint   NOT NULL,
    ts_event      bigint   NOT NULL,
    ts_init       bigint   NOT NULL,
    bid_price     bigint,
    bid_qty       bigint,
    ask_price     bigint,
    ask_qty       bigint
) /*PARTITION_BY*/;
CREATE INDEX top_of_book_ts_brin ON top_of_book USING brin (ts_event);

CREATE TABLE candles (
    instrument_id text     NOT NULL,
    seq           bigint   NOT NULL,
    ts_event      bigint   NOT NULL,  -- ns, the candle's open time (Candle.ts_open)
    ts_init       bigint   NOT NULL,
    interval      text     NOT NULL,  -- the venue's code, e.g. '1m'
    open          bigint   NOT NULL,
    high          bigint   NOT NULL,
    low           bigint   NOT NULL,
    close         bigint   NOT NULL,
    volume        bigint   NOT NULL,
    trades        bigint   NOT NULL,
    closed        boolean  NOT NULL,  -- false while the bar is still forming
    ts_close      bigint   NOT NULL
) /*PARTITION_BY*/;
CREATE INDEX candles_ts_brin ON candles USING brin (ts_event);

-- The journal: the truth recovery reads. One row per record, msgpack payload (bot4.oms.journal).
CREATE TABLE journal (
    seq     bigint PRIMARY KEY,
    ts_ns   bigint NOT NULL,
    kind    text   NOT NULL,
    payload bytea  NOT NULL
);

-- Projections of the journal, written in the same transaction (see _projection.py).
CREATE TABLE orders (
    client_order_id text PRIMARY KEY,
    instrument_id   text     NOT NULL,
    side            smallint NOT NULL,
    order_type      text     NOT NULL,
    time_in_force   text     NOT NULL,
    qty             bigint   NOT NULL,
    price           bigint,
    status          text     NOT NULL,  -- the last journaled event's effect
    strategy_id     text     NOT NULL,
    last_seq        bigint   NOT NULL,
    ts_event        bigint   NOT NULL
);

CREATE TABLE fills (
    seq             bigint PRIMARY KEY,
    client_order_id text     NOT NULL,
    instrument_id   text     NOT NULL,
    venue_order_id  text     NOT NULL,
    fill_id         text     NOT NULL,
    side            smallint NOT NULL,
    last_qty        bigint   NOT NULL,
    last_price      bigint   NOT NULL,
    fee             bigint   NOT NULL,
    liquidity       text     NOT NULL,
    ts_event        bigint   NOT NULL
);
CREATE INDEX fills_order ON fills (client_order_id);

CREATE TABLE risk_decisions (
    seq             bigint PRIMARY KEY,
    client_order_id text   NOT NULL,
    instrument_id   text   NOT NULL,
    decision        text   NOT NULL,  -- ACCEPTED or DENIED
    reason          text   NOT NULL,
    detail          text   NOT NULL,
    ts_event        bigint NOT NULL
);

CREATE TABLE emergency_stop (
    seq      bigint PRIMARY KEY,
    state    text   NOT NULL,  -- HALTED (from the journal) or the kill switch's saved state
    source   text   NOT NULL,
    reason   text   NOT NULL,
    ts_event bigint NOT NULL
);

-- The kill switch's own saved state (bot4.risk), one row, replaced on every change.
CREATE TABLE kill_switch_state (
    id      smallint PRIMARY KEY CHECK (id = 1),
    payload bytea  NOT NULL,
    ts_ns   bigint NOT NULL
);
