/* bot4.marketdata._native: the feeds' innermost loops in C.
 *
 * Eight functions, each the exact twin of the Python function of the same name in
 * bot4/marketdata/_twins.py, which stays the specification and the fallback
 * (bot4.marketdata._accel binds one or the other; the property tests in
 * tests/unit/marketdata/test_md_native.py check them against each other):
 *
 *   parse_pairs(buf, price_precision, qty_precision, side=None)
 *       A JSON array of [price, qty, ...] string rows, as Binance and Kraken write levels, to
 *       [(price, qty)] (or [(side, price, qty)]) in fixed-point ints. Exact: digits are
 *       accumulated as integers, never through a float. Anything outside the plain grammar
 *       (escapes, signs, exponents, more than 18 digits, non-zero digits beyond the precision,
 *       a row of fewer than two strings) returns None and the caller's exact Python path
 *       decides, with its own error message.
 *   kraken_levels(buf, price_precision, qty_precision, side=None)
 *       parse_pairs for Kraken's [price, volume, timestamp(, "r")] rows: (levels, the last
 *       row's timestamp in ns, or -1 for no rows), or None when parse_pairs would decline or a
 *       timestamp is not plain (seconds with up to 9 decimals).
 *   binance_frame(buf, precisions, buy, sell)
 *       A Binance combined-stream frame, envelope and all, in one pass, at the precisions of
 *       `precisions[s]`: diff depth (0, s, E, U, u, pu, deltas) with the deltas a tuple of
 *       (side, price, qty), bids first; bookTicker (1, s, E, u, bid, bid_qty, ask, ask_qty);
 *       aggTrade or trade (2, s, T, trade id, price, qty, buyer is maker); kline (3, s, E,
 *       interval, open time, close time, open, high, low, close, volume, trades, closed).
 *       None for anything else (the msgspec path decides).
 *   binance_snapshot(buf, price_precision, qty_precision)
 *       A Binance REST depth snapshot whole: (lastUpdateId, E, bids, asks) with the sides as
 *       {price: qty} (the last row of a price wins, as in dict(); no level left where that
 *       row's qty is 0); None for anything else.
 *   kraken_update(buf, precisions, buy, sell)
 *       A Kraken v1 book update frame whole: (pair, deltas, checksum or None, last ts in ns)
 *       at the precisions of `precisions[pair]`; None for anything else.
 *   apply_deltas(bids, asks, bid_keys, ask_keys, deltas, buy)
 *       OrderBook.apply_deltas on the book's dicts and sorted key lists (with a fast path for
 *       prices and quantities that fit 64 bits: one dict lookup per level, key slots found
 *       from the best end).
 *   book_levels(bids, asks, bid_keys, ask_keys, buy, sell)
 *       OrderBook.levels_tuple(): every level as (side, price, qty), bids best first, then
 *       asks best first (a snapshot event's deltas).
 *   kraken_crc(asks, ask_keys, bids, bid_keys, depth, price_shift, qty_shift)
 *       Kraken's CRC32 of the top `depth` levels per side (bot4.marketdata.feeds.kraken).
 *       Raises OverflowError when a number does not fit 64 bits: the Python twin decides then.
 *
 * The core is single-threaded and these calls hold the GIL throughout.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* --- parse_pairs ------------------------------------------------------------------------- */

static const uint64_t POW10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

typedef struct {
    const char *p;
    const char *end;
} Cursor;

static inline void skip_ws(Cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

static inline int expect(Cursor *c, char ch) {
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* One JSON string holding a plain decimal ("12", "0.35130000", "12."), scaled by
 * 10**precision into *out. 0 when the string is anything else or the value needs more than
 * 18 digits or loses a non-zero digit. */
static int parse_decimal(Cursor *c, int precision, uint64_t *out) {
    if (!expect(c, '"'))
        return 0;
    const char *p = c->p, *end = c->end;
    uint64_t value = 0;
    int digits = 0, decimals = 0, any = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (value || *p != '0') {
            if (++digits > 18)
                return 0;
        }
        value = value * 10 + (uint64_t)(*p - '0');
        p++;
        any = 1;
    }
    if (!any)
        return 0; /* ".5" and "" go to the Python path */
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            if (decimals < precision) {
                if (value || *p != '0') {
                    if (++digits > 18)
                        return 0;
                }
                value = value * 10 + (uint64_t)(*p - '0');
                decimals++;
            } else if (*p != '0') {
                return 0; /* a digit beyond the precision that is not zero */
            }
            p++;
        }
    }
    if (p >= end || *p != '"')
        return 0;
    c->p = p + 1;
    int pad = precision - decimals;
    if (pad > 0) {
        if (digits + pad > 18)
            return 0;
        value *= POW10[pad];
    }
    *out = value;
    return 1;
}

/* Skip one JSON string with no escapes (Kraken's timestamps and flags after price and qty). */
static int skip_string(Cursor *c) {
    if (!expect(c, '"'))
        return 0;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p == '\\')
            return 0;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    return 1;
}

/* A Kraken timestamp string ("1534614248.456738", seconds with up to 9 decimals) as ns; 0 when
 * it is anything else (more than 9 non-zero decimals, over 10 integer digits, no digits). */
static int parse_stamp(Cursor *c, long long *out) {
    if (!expect(c, '"'))
        return 0;
    const char *p = c->p, *end = c->end;
    uint64_t sec = 0, frac = 0;
    int digits = 0, decimals = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (++digits > 10)
            return 0;
        sec = sec * 10 + (uint64_t)(*p++ - '0');
    }
    if (!digits)
        return 0;
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            if (decimals < 9) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                decimals++;
            } else if (*p != '0') {
                return 0;
            }
            p++;
        }
    }
    if (p >= end || *p != '"' || sec > 9000000000ULL)
        return 0;
    c->p = p + 1;
    *out = (long long)(sec * 1000000000ULL + frac * POW10[9 - decimals]);
    return 1;
}

/* LEVEL ROWS, the (side, price, qty) or (price, qty) tuples made here by the thousand, are
 * untracked by the cyclic GC, as CPython itself untracks tuples of atoms: a row holds a side
 * (an enum member) and two ints, none of which can refer back to it, so it can never be part
 * of a cycle, and the collector need not walk the millions of them a feed makes. (A side
 * object that could hold a row would leak such a cycle, never corrupt it.) */

/* The rows of one JSON array of levels into `out`: 1 when every row was plain, 0 to decline,
 * -1 on a Python error. With `stamp`, each row's third field is a timestamp and the last
 * row's lands in *stamp (unchanged for an empty array). */
static int rows_into(Cursor *c, int pprec, int qprec, PyObject *side, long long *stamp,
                     PyObject *out) {
    if (!expect(c, '['))
        return 0;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 1;
    }
    for (;;) {
        uint64_t price, qty;
        if (!expect(c, '[') || !parse_decimal(c, pprec, &price) || !expect(c, ',') ||
            !parse_decimal(c, qprec, &qty))
            return 0;
        if (stamp != NULL && (!expect(c, ',') || !parse_stamp(c, stamp)))
            return 0;
        while (expect(c, ',')) { /* further fields (Kraken: timestamp, "r") are skipped */
            if (!skip_string(c))
                return 0;
        }
        if (!expect(c, ']'))
            return 0;
        PyObject *pv = PyLong_FromUnsignedLongLong(price);
        PyObject *qv = PyLong_FromUnsignedLongLong(qty);
        if (pv == NULL || qv == NULL) {
            Py_XDECREF(pv);
            Py_XDECREF(qv);
            return -1;
        }
        if (PyDict_CheckExact(out)) {
            /* {price: qty > 0}: the last row of a price wins, and a last row of qty 0 leaves
             * no level (dict(rows) less its zero quantities) */
            int rc = qty ? PyDict_SetItem(out, pv, qv) : PyDict_Contains(out, pv);
            if (rc > 0 && !qty)
                rc = PyDict_DelItem(out, pv);
            Py_DECREF(pv);
            Py_DECREF(qv);
            if (rc < 0)
                return -1;
            if (expect(c, ','))
                continue;
            if (expect(c, ']'))
                return 1;
            return 0;
        }
        PyObject *row = side != Py_None ? PyTuple_New(3) : PyTuple_New(2);
        if (row == NULL) {
            Py_DECREF(pv);
            Py_DECREF(qv);
            return -1;
        }
        PyObject_GC_UnTrack(row); /* see LEVEL ROWS above */
        Py_ssize_t i = 0;
        if (side != Py_None) {
            Py_INCREF(side);
            PyTuple_SET_ITEM(row, i++, side);
        }
        PyTuple_SET_ITEM(row, i, pv);
        PyTuple_SET_ITEM(row, i + 1, qv);
        int rc = PyList_Append(out, row);
        Py_DECREF(row);
        if (rc < 0)
            return -1;
        if (expect(c, ','))
            continue;
        if (expect(c, ']'))
            return 1;
        return 0;
    }
}

/* rows_into over the whole of `source` (a buffer): the list (a dict when `as_dict`), None to
 * decline, NULL on error. */
static PyObject *parse_rows(PyObject *source, int pprec, int qprec, PyObject *side,
                            long long *stamp, int as_dict) {
    if (pprec < 0 || pprec > 18 || qprec < 0 || qprec > 18) {
        PyErr_SetString(PyExc_ValueError, "precisions must be within 0..18");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Cursor c = {(const char *)view.buf, (const char *)view.buf + view.len};
    PyObject *out = as_dict ? PyDict_New() : PyList_New(0);
    int rc = out == NULL ? -1 : rows_into(&c, pprec, qprec, side, stamp, out);
    if (rc == 1) {
        skip_ws(&c);
        if (c.p != c.end)
            rc = 0;
    }
    PyBuffer_Release(&view);
    if (rc == 1)
        return out;
    Py_XDECREF(out);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *parse_pairs(PyObject *self, PyObject *args) {
    PyObject *source, *side = Py_None;
    int pprec, qprec;
    if (!PyArg_ParseTuple(args, "Oii|O:parse_pairs", &source, &pprec, &qprec, &side))
        return NULL;
    return parse_rows(source, pprec, qprec, side, NULL, 0);
}

static PyObject *kraken_levels(PyObject *self, PyObject *args) {
    PyObject *source, *side = Py_None;
    int pprec, qprec;
    if (!PyArg_ParseTuple(args, "Oii|O:kraken_levels", &source, &pprec, &qprec, &side))
        return NULL;
    long long stamp = -1;
    PyObject *rows = parse_rows(source, pprec, qprec, side, &stamp, 0);
    if (rows == NULL || rows == Py_None)
        return rows;
    return Py_BuildValue("(NL)", rows, stamp);
}

/* --- arguments of the per-frame functions (METH_FASTCALL: no argument tuple built) ------ */

static int nargs_ok(const char *name, Py_ssize_t nargs, Py_ssize_t n) {
    if (nargs == n)
        return 1;
    PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd arguments (%zd given)", name, n, nargs);
    return 0;
}

static int arg_type_ok(const char *name, PyObject *arg, PyTypeObject *type) {
    if (PyObject_TypeCheck(arg, type))
        return 1;
    PyErr_Format(PyExc_TypeError, "%s() argument must be %s, not %.100s", name, type->tp_name,
                 Py_TYPE(arg)->tp_name);
    return 0;
}

/* --- binance_frame ---------------------------------------------------------------------- */

/* A JSON string of plain ASCII with no escapes or control characters (all Binance writes):
 * its text (start, length); 0 for anything else, which msgspec's path then judges. */
static unsigned char NOT_PLAIN[256]; /* '"', '\\', control and non-ASCII bytes */

static int read_string(Cursor *c, const char **start, Py_ssize_t *len) {
    if (!expect(c, '"'))
        return 0;
    const char *p = c->p;
    while (c->p < c->end && !NOT_PLAIN[(unsigned char)*c->p])
        c->p++;
    if (c->p >= c->end || *c->p != '"')
        return 0;
    *start = p;
    *len = c->p - p;
    c->p++;
    return 1;
}

static int skip_digits(Cursor *c) {
    const char *p = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > p;
}

/* Skip one JSON value (nesting bounded), strictly by the JSON grammar, with strings held to
 * read_string's plain ASCII; 0 when it is not such a value. */
static int skip_value(Cursor *c, int depth) {
    skip_ws(c);
    if (c->p >= c->end || depth > 32)
        return 0;
    char ch = *c->p;
    if (ch == '"') {
        const char *s;
        Py_ssize_t n;
        return read_string(c, &s, &n);
    }
    if (ch == '[' || ch == '{') {
        char close = ch == '[' ? ']' : '}';
        c->p++;
        if (expect(c, close))
            return 1;
        for (;;) {
            if (ch == '{') {
                const char *s;
                Py_ssize_t n;
                if (!read_string(c, &s, &n) || !expect(c, ':'))
                    return 0;
            }
            if (!skip_value(c, depth + 1))
                return 0;
            if (expect(c, ','))
                continue;
            return expect(c, close);
        }
    }
    const char *literal = ch == 't' ? "true" : ch == 'f' ? "false" : ch == 'n' ? "null" : NULL;
    if (literal != NULL) {
        size_t n = strlen(literal);
        if ((size_t)(c->end - c->p) < n || memcmp(c->p, literal, n) != 0)
            return 0;
        c->p += n;
        return 1;
    }
    /* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (!skip_digits(c))
        return 0;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!skip_digits(c))
            return 0;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!skip_digits(c))
            return 0;
    }
    return 1;
}

/* A non-negative JSON integer of at most 18 digits; 0 for anything else (signs, fractions,
 * exponents, bigger numbers: msgspec's path decides those). */
static int read_int(Cursor *c, long long *out) {
    skip_ws(c);
    const char *p = c->p;
    long long v = 0;
    int digits = 0;
    while (p < c->end && *p >= '0' && *p <= '9') {
        if (++digits > 18)
            return 0;
        v = v * 10 + (*p++ - '0');
    }
    if (!digits || (digits > 1 && *c->p == '0') ||
        (p < c->end && (*p == '.' || *p == 'e' || *p == 'E')))
        return 0;
    c->p = p;
    *out = v;
    return 1;
}

static int key_is(const char *k, Py_ssize_t n, const char *name) {
    return (Py_ssize_t)strlen(name) == n && memcmp(k, name, (size_t)n) == 0;
}

/* The precisions of symbol (or pair) `sym` from `precisions` into *pp, *qp: 1 found, 0 not
 * (or out of range), -1 with an exception. */
static int symbol_precisions(PyObject *precisions, PyObject *sym, int *pp, int *qp) {
    PyObject *prec = PyDict_GetItemWithError(precisions, sym); /* borrowed */
    if (prec == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_Check(prec)) {
        PyErr_SetString(PyExc_TypeError, "precisions must map symbols to (int, int)");
        return -1;
    }
    if (PyTuple_GET_SIZE(prec) != 2) {
        PyErr_SetString(PyExc_TypeError, "precisions must map symbols to (int, int)");
        return -1;
    }
    long p = PyLong_AsLong(PyTuple_GET_ITEM(prec, 0));
    if (p == -1 && PyErr_Occurred())
        return -1;
    long q = PyLong_AsLong(PyTuple_GET_ITEM(prec, 1));
    if (q == -1 && PyErr_Occurred())
        return -1;
    if (p < 0 || p > 18 || q < 0 || q > 18)
        return 0;
    *pp = (int)p;
    *qp = (int)q;
    return 1;
}

/* binance_frame reads the "data" object of each channel by a table of the fields its msgspec
 * schema declares; every other key is skipped (by the JSON grammar), as msgspec does. */
enum { T_INT, T_SYM, T_PRICE, T_QTY, T_BIDS, T_ASKS, T_BOOL, T_TEXT, T_KLINE };
enum {
    X_E, X_s, X_U, X_u, X_pu, X_b, X_a, X_B, X_A, X_id, X_p, X_q, X_T, X_m, X_k,
    K_t, K_T, K_i, K_o, K_c, K_h, K_l, K_v, K_n, K_x, X_last, X_COUNT
};
typedef struct {
    const char *name;
    Py_ssize_t len;
    int type, slot;
} Field;
#define FIELD(name, type, slot) {name, sizeof(name) - 1, type, slot}

enum { DEPTH, TICKER, AGG_TRADE, TRADE, KLINE, KIND_COUNT };
static const Field DEPTH_FIELDS[] = {
    FIELD("E", T_INT, X_E), FIELD("s", T_SYM, X_s), FIELD("U", T_INT, X_U),
    FIELD("u", T_INT, X_u), FIELD("pu", T_INT, X_pu), FIELD("b", T_BIDS, X_b),
    FIELD("a", T_ASKS, X_a), {NULL, 0, 0, 0}};
static const Field TICKER_FIELDS[] = {
    FIELD("E", T_INT, X_E), FIELD("s", T_SYM, X_s), FIELD("u", T_INT, X_u),
    FIELD("b", T_PRICE, X_b), FIELD("B", T_QTY, X_B), FIELD("a", T_PRICE, X_a),
    FIELD("A", T_QTY, X_A), {NULL, 0, 0, 0}};
static const Field AGG_TRADE_FIELDS[] = {
    FIELD("s", T_SYM, X_s), FIELD("a", T_INT, X_id), FIELD("p", T_PRICE, X_p),
    FIELD("q", T_QTY, X_q), FIELD("T", T_INT, X_T), FIELD("m", T_BOOL, X_m), {NULL, 0, 0, 0}};
static const Field TRADE_FIELDS[] = {
    FIELD("s", T_SYM, X_s), FIELD("t", T_INT, X_id), FIELD("p", T_PRICE, X_p),
    FIELD("q", T_QTY, X_q), FIELD("T", T_INT, X_T), FIELD("m", T_BOOL, X_m), {NULL, 0, 0, 0}};
static const Field KLINE_FIELDS[] = {
    FIELD("s", T_SYM, X_s), FIELD("E", T_INT, X_E), FIELD("k", T_KLINE, X_k), {NULL, 0, 0, 0}};
static const Field BAR_FIELDS[] = { /* the kline's "k" */
    FIELD("t", T_INT, K_t), FIELD("T", T_INT, K_T), FIELD("i", T_TEXT, K_i),
    FIELD("o", T_PRICE, K_o), FIELD("c", T_PRICE, K_c), FIELD("h", T_PRICE, K_h),
    FIELD("l", T_PRICE, K_l), FIELD("v", T_QTY, K_v), FIELD("n", T_INT, K_n),
    FIELD("x", T_BOOL, K_x), {NULL, 0, 0, 0}};
/* A REST depth snapshot (binance_snapshot), read by the same machinery. */
static const Field SNAPSHOT_FIELDS[] = {
    FIELD("lastUpdateId", T_INT, X_last), FIELD("E", T_INT, X_E), FIELD("bids", T_BIDS, X_b),
    FIELD("asks", T_ASKS, X_a), {NULL, 0, 0, 0}};
static const Field *const KIND_FIELDS[KIND_COUNT] = {
    DEPTH_FIELDS, TICKER_FIELDS, AGG_TRADE_FIELDS, TRADE_FIELDS, KLINE_FIELDS};
/* Fields without a default in the schemas (E, u and pu default to 0, 0 and -1). */
static const int REQUIRED[KIND_COUNT][16] = {
    {X_s, X_U, X_u, X_b, X_a, -1},
    {X_s, X_b, X_B, X_a, X_A, -1},
    {X_s, X_id, X_p, X_q, X_T, X_m, -1},
    {X_s, X_id, X_p, X_q, X_T, X_m, -1},
    {X_s, X_E, X_k, K_t, K_T, K_i, K_o, K_c, K_h, K_l, K_v, K_n, K_x, -1},
};

/* Binance's kline intervals (stream "<symbol>@kline_<interval>"). */
static const char *const INTERVALS[] = {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h",
                                        "6h", "8h", "12h", "1d", "3d", "1w", "1M", NULL};

typedef struct {
    PyObject *precisions, *buy, *sell;
    PyObject *sym, *bids, *asks; /* owned; sym NULL until the "s" field */
    int pp, qp, settled;      /* settled: pp and qp are known (from "s", or given) */
    const char *pos[X_COUNT]; /* where each field's value starts; NULL: absent */
    int done[X_COUNT];        /* a price, qty or levels field parsed in the first pass */
    long long ints[X_COUNT];  /* ints and bools */
    uint64_t decs[X_COUNT];   /* prices and quantities */
    const char *text;         /* the kline interval */
    Py_ssize_t text_len;
} Frame;

/* The kind of a combined stream's name ("<symbol>@<channel>"); -1 for any other. */
static int stream_kind(const char *sv, Py_ssize_t sn) {
    const char *at = memchr(sv, '@', (size_t)sn);
    if (at == NULL)
        return -1;
    const char *ch = at + 1;
    Py_ssize_t cn = sn - (ch - sv);
    if (key_is(ch, cn, "depth") || key_is(ch, cn, "depth@100ms") ||
        key_is(ch, cn, "depth@250ms") || key_is(ch, cn, "depth@500ms"))
        return DEPTH;
    if (key_is(ch, cn, "bookTicker"))
        return TICKER;
    if (key_is(ch, cn, "aggTrade"))
        return AGG_TRADE;
    if (key_is(ch, cn, "trade"))
        return TRADE;
    if (cn > 6 && memcmp(ch, "kline_", 6) == 0) {
        for (int i = 0; INTERVALS[i] != NULL; i++)
            if (key_is(ch + 6, cn - 6, INTERVALS[i]))
                return KLINE;
    }
    return -1;
}

/* The str of a symbol's text: a few hundred symbols at most recur in every frame, so their str
 * objects (with their hashes, which the precisions lookup needs) are kept and reused rather
 * than decoded and hashed again per frame. A new reference, or NULL with an exception. */
#define SYMBOL_SLOTS 256
#define SYMBOL_MAX 32
static struct {
    Py_ssize_t len;
    char text[SYMBOL_MAX];
    PyObject *str;
} SYMBOLS[SYMBOL_SLOTS];

static PyObject *symbol_str(const char *text, Py_ssize_t len) {
    if (len > SYMBOL_MAX)
        return PyUnicode_DecodeUTF8(text, len, NULL);
    uint32_t h = 2166136261u; /* FNV-1a picks the slot */
    for (Py_ssize_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 16777619u;
    Py_ssize_t slot = h % SYMBOL_SLOTS;
    PyObject *str = SYMBOLS[slot].str;
    if (str != NULL && SYMBOLS[slot].len == len &&
        memcmp(SYMBOLS[slot].text, text, (size_t)len) == 0) {
        Py_INCREF(str);
        return str;
    }
    PyObject *fresh = PyUnicode_DecodeUTF8(text, len, NULL);
    if (fresh == NULL)
        return NULL;
    Py_INCREF(fresh);
    Py_XSETREF(SYMBOLS[slot].str, fresh); /* a colliding symbol takes the slot over */
    SYMBOLS[slot].len = len;
    memcpy(SYMBOLS[slot].text, text, (size_t)len);
    return fresh;
}

/* A price, qty or levels field's value at the cursor, with the symbol's precisions. */
static int frame_value(Cursor *c, Frame *f, int type, int slot) {
    switch (type) {
    case T_PRICE:
        return parse_decimal(c, f->pp, &f->decs[slot]);
    case T_QTY:
        return parse_decimal(c, f->qp, &f->decs[slot]);
    case T_BIDS:
        return rows_into(c, f->pp, f->qp, f->buy, NULL, f->bids);
    default: /* T_ASKS */
        return rows_into(c, f->pp, f->qp, f->sell, NULL, f->asks);
    }
}

/* One JSON object of a frame by its field table: 1 read, 0 declined, -1 with an exception.
 * Prices, quantities and levels are parsed at once when the symbol came before them, else
 * skipped here and parsed by frame_deferred. */
static int frame_object(Cursor *c, const Field *fields, Frame *f, int depth) {
    const char *k;
    Py_ssize_t kn;
    int rc;
    if (!expect(c, '{'))
        return 0;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 1;
    }
    for (;;) {
        if (!read_string(c, &k, &kn) || !expect(c, ':'))
            return 0;
        const Field *fd = fields;
        while (fd->name != NULL && (fd->len != kn || fd->name[0] != k[0] ||
                                    (kn > 1 && memcmp(k, fd->name, (size_t)kn) != 0)))
            fd++; /* (keys are mostly one letter: no memcmp call for those) */
        if (fd->name == NULL) {
            if (!skip_value(c, depth))
                return 0;
        } else {
            int slot = fd->slot;
            if (f->pos[slot] != NULL)
                return 0; /* a repeated key: msgspec's call */
            skip_ws(c);
            f->pos[slot] = c->p;
            switch (fd->type) {
            case T_INT:
                if (!read_int(c, &f->ints[slot]))
                    return 0;
                break;
            case T_BOOL:
                if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
                    f->ints[slot] = 1;
                    c->p += 4;
                } else if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
                    f->ints[slot] = 0;
                    c->p += 5;
                } else {
                    return 0;
                }
                break;
            case T_TEXT:
                if (!read_string(c, &f->text, &f->text_len))
                    return 0;
                break;
            case T_SYM: {
                const char *sp;
                Py_ssize_t sn;
                if (!read_string(c, &sp, &sn))
                    return 0;
                /* settle the symbol now: an unknown one ends the work early, and a known one
                 * lets the values after it parse in this pass */
                f->sym = symbol_str(sp, sn);
                if (f->sym == NULL)
                    return -1;
                rc = symbol_precisions(f->precisions, f->sym, &f->pp, &f->qp);
                if (rc <= 0)
                    return rc;
                f->settled = 1;
                break;
            }
            case T_KLINE:
                rc = frame_object(c, BAR_FIELDS, f, depth + 1);
                if (rc <= 0)
                    return rc;
                break;
            default: /* prices, quantities, levels */
                if (!f->settled) {
                    if (!skip_value(c, depth))
                        return 0;
                    break;
                }
                rc = frame_value(c, f, fd->type, slot);
                if (rc <= 0)
                    return rc;
                f->done[slot] = 1;
            }
        }
        if (expect(c, ','))
            continue;
        return expect(c, '}') ? 1 : 0;
    }
}

/* The price, qty and levels fields that came before the symbol. */
static int frame_deferred(Frame *f, const Field *fields, const char *end) {
    for (const Field *fd = fields; fd->name != NULL; fd++) {
        if (fd->type == T_KLINE && f->pos[fd->slot] != NULL) {
            int rc = frame_deferred(f, BAR_FIELDS, end);
            if (rc <= 0)
                return rc;
        }
        if ((fd->type < T_PRICE || fd->type > T_ASKS) || f->pos[fd->slot] == NULL ||
            f->done[fd->slot])
            continue;
        Cursor c = {f->pos[fd->slot], end};
        int rc = frame_value(&c, f, fd->type, fd->slot);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

/* A tuple of `n` new references (stolen, NULLs allowed: then NULL, every other one released). */
static PyObject *pack(Py_ssize_t n, PyObject **items) {
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if (items[i] == NULL)
            goto fail;
    out = PyTuple_New(n);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++)
        PyTuple_SET_ITEM(out, i, items[i]);
    return out;
fail:
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(items[i]);
    return NULL;
}

#define I(v) PyLong_FromLongLong(v)
#define U(v) PyLong_FromUnsignedLongLong(v)
#define B(v) PyBool_FromLong((long)(v))

/* The result tuple of a frame read whole (see the header comment). */
static PyObject *frame_result(int kind, Frame *f) {
    PyObject *sym = f->sym;
    Py_INCREF(sym);
    long long *n = f->ints;
    uint64_t *d = f->decs;
    switch (kind) {
    case DEPTH: {
        Py_ssize_t nb = PyList_GET_SIZE(f->bids), na = PyList_GET_SIZE(f->asks);
        PyObject *deltas = PyTuple_New(nb + na);
        if (deltas != NULL) {
            PyObject_GC_UnTrack(deltas); /* it holds level rows only */
            for (Py_ssize_t i = 0; i < nb; i++) {
                PyObject *row = PyList_GET_ITEM(f->bids, i);
                Py_INCREF(row);
                PyTuple_SET_ITEM(deltas, i, row);
            }
            for (Py_ssize_t i = 0; i < na; i++) {
                PyObject *row = PyList_GET_ITEM(f->asks, i);
                Py_INCREF(row);
                PyTuple_SET_ITEM(deltas, nb + i, row);
            }
        }
        long long pu = f->pos[X_pu] ? n[X_pu] : -1;
        PyObject *items[] = {I(0), sym, I(n[X_E]), I(n[X_U]), I(n[X_u]), I(pu), deltas};
        return pack(7, items);
    }
    case TICKER: {
        PyObject *items[] = {I(1), sym, I(n[X_E]), I(n[X_u]),
                             U(d[X_b]), U(d[X_B]), U(d[X_a]), U(d[X_A])};
        return pack(8, items);
    }
    case AGG_TRADE:
    case TRADE: {
        PyObject *items[] = {I(2), sym, I(n[X_T]), I(n[X_id]), U(d[X_p]), U(d[X_q]), B(n[X_m])};
        return pack(7, items);
    }
    default: { /* KLINE */
        PyObject *items[] = {I(3), sym, I(n[X_E]),
                             PyUnicode_DecodeUTF8(f->text, f->text_len, NULL),
                             I(n[K_t]), I(n[K_T]), U(d[K_o]), U(d[K_h]), U(d[K_l]), U(d[K_c]),
                             U(d[K_v]), I(n[K_n]), B(n[K_x])};
        return pack(13, items);
    }
    }
}

#undef I
#undef U
#undef B

/* A combined-stream frame {"stream": "<symbol>@<channel>", "data": {...}} of a diff-depth,
 * bookTicker, aggTrade, trade or kline channel (the header comment has the results), with
 * the precisions of its symbol ("s"). None for anything else: other channels, a symbol without
 * precisions, and whatever is not plain; the msgspec path decides those. */
static PyObject *binance_frame(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("binance_frame", nargs, 4) ||
        !arg_type_ok("binance_frame", args[1], &PyDict_Type))
        return NULL;
    PyObject *source = args[0];
    Frame f;
    memset(&f, 0, sizeof f);
    f.precisions = args[1];
    f.buy = args[2];
    f.sell = args[3];
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Cursor c = {(const char *)view.buf, (const char *)view.buf + view.len};
    const char *data = NULL, *k;
    Py_ssize_t kn;
    int kind = -1, rc;
    PyObject *out = NULL;

    if (!expect(&c, '{'))
        goto none;
    for (;;) { /* the envelope */
        if (!read_string(&c, &k, &kn) || !expect(&c, ':'))
            goto none;
        if (key_is(k, kn, "stream")) {
            const char *sv;
            Py_ssize_t sn;
            if (kind >= 0 || !read_string(&c, &sv, &sn) || (kind = stream_kind(sv, sn)) < 0)
                goto none;
            if (kind == DEPTH) {
                f.bids = PyList_New(0);
                f.asks = PyList_New(0);
                if (f.bids == NULL || f.asks == NULL)
                    goto fail;
            }
            if (data != NULL) { /* the data came first: read it now */
                Cursor cd = {data, c.end};
                rc = frame_object(&cd, KIND_FIELDS[kind], &f, 1);
                if (rc < 0)
                    goto fail;
                if (rc == 0)
                    goto none;
            }
        } else if (key_is(k, kn, "data")) {
            if (data != NULL)
                goto none;
            skip_ws(&c);
            data = c.p;
            rc = kind >= 0 ? frame_object(&c, KIND_FIELDS[kind], &f, 1) : skip_value(&c, 0);
            if (rc < 0)
                goto fail;
            if (rc == 0)
                goto none;
        } else if (!skip_value(&c, 0)) {
            goto none;
        }
        if (expect(&c, ','))
            continue;
        if (expect(&c, '}'))
            break;
        goto none;
    }
    skip_ws(&c);
    if (c.p != c.end || kind < 0 || data == NULL || f.sym == NULL)
        goto none;
    for (const int *r = REQUIRED[kind]; *r >= 0; r++)
        if (f.pos[*r] == NULL)
            goto none;
    rc = frame_deferred(&f, KIND_FIELDS[kind], c.end);
    if (rc < 0)
        goto fail;
    if (rc == 0)
        goto none;
    out = frame_result(kind, &f);
    if (out == NULL)
        goto fail;
    goto done;
none:
    out = Py_None;
    Py_INCREF(out);
    goto done;
fail:
    out = NULL;
done:
    Py_XDECREF(f.bids);
    Py_XDECREF(f.asks);
    Py_XDECREF(f.sym);
    PyBuffer_Release(&view);
    return out;
}

/* --- binance_snapshot ------------------------------------------------------------------- */

/* A Binance REST depth snapshot {"lastUpdateId": N, ("E": ms,) "bids": [...], "asks": [...]}
 * in one pass: (lastUpdateId, E or 0, {price: qty} of the bids, of the asks); None for
 * anything else (the msgspec path decides). */
static PyObject *binance_snapshot(PyObject *self, PyObject *args) {
    PyObject *source, *out = NULL;
    Frame f;
    memset(&f, 0, sizeof f);
    if (!PyArg_ParseTuple(args, "Oii:binance_snapshot", &source, &f.pp, &f.qp))
        return NULL;
    if (f.pp < 0 || f.pp > 18 || f.qp < 0 || f.qp > 18) {
        PyErr_SetString(PyExc_ValueError, "precisions must be within 0..18");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Cursor c = {(const char *)view.buf, (const char *)view.buf + view.len};
    f.settled = 1;
    f.buy = f.sell = Py_None;
    f.bids = PyDict_New(); /* dicts: rows_into keeps {price: qty} */
    f.asks = PyDict_New();
    int rc = f.bids != NULL && f.asks != NULL ? frame_object(&c, SNAPSHOT_FIELDS, &f, 0) : -1;
    if (rc > 0) {
        skip_ws(&c);
        if (c.p != c.end || !f.pos[X_last] || !f.pos[X_b] || !f.pos[X_a])
            rc = 0;
    }
    if (rc > 0) {
        out = Py_BuildValue("(LLOO)", f.ints[X_last], f.ints[X_E], f.bids, f.asks);
    } else if (rc == 0) {
        out = Py_None;
        Py_INCREF(out);
    }
    Py_XDECREF(f.bids);
    Py_XDECREF(f.asks);
    PyBuffer_Release(&view);
    return out;
}

/* --- kraken_update ---------------------------------------------------------------------- */

#define KRAKEN_MAX_PAYLOADS 4

/* A Kraken v1 book update [id, {"a": [...]}, {"b": [...], "c": "..."}, "book-N", "PAIR"] in
 * one pass, at the precisions of `precisions[pair]`: (pair, deltas, checksum or None, ts)
 * with deltas [(side, price, qty)], each payload's asks then its bids, and ts the last level's
 * timestamp in ns (0 when no level). None for anything else: snapshots ("as"/"bs"), other
 * channels, a pair without precisions, whatever is not plain; the Python path decides. */
static PyObject *kraken_update(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("kraken_update", nargs, 4) ||
        !arg_type_ok("kraken_update", args[1], &PyDict_Type))
        return NULL;
    PyObject *source = args[0], *precisions = args[1], *buy = args[2], *sell = args[3];
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Cursor c = {(const char *)view.buf, (const char *)view.buf + view.len};
    const char *side_pos[KRAKEN_MAX_PAYLOADS][2] = {{NULL}};
    const char *crc_p = NULL, *name_p = NULL, *pair_p = NULL;
    Py_ssize_t crc_n = 0, name_n = 0, pair_n = 0;
    int payloads = 0;
    PyObject *pair = NULL, *deltas = NULL, *crc = NULL;
    const char *k;
    Py_ssize_t kn;

    if (!expect(&c, '[') || !skip_value(&c, 0)) /* the channel id */
        goto none;
    while (expect(&c, ',')) {
        skip_ws(&c);
        if (c.p < c.end && *c.p == '{') {
            if (name_p != NULL || payloads == KRAKEN_MAX_PAYLOADS)
                goto none;
            c.p++;
            int at = payloads++;
            if (!expect(&c, '}')) {
                for (;;) {
                    if (!read_string(&c, &k, &kn) || !expect(&c, ':'))
                        goto none;
                    if (key_is(k, kn, "as") || key_is(k, kn, "bs"))
                        goto none; /* a snapshot */
                    skip_ws(&c);
                    if (key_is(k, kn, "a") || key_is(k, kn, "b")) {
                        int i = *k == 'b';
                        if (side_pos[at][i] != NULL)
                            goto none;
                        side_pos[at][i] = c.p;
                        if (!skip_value(&c, 0))
                            goto none;
                    } else if (key_is(k, kn, "c")) {
                        if (!read_string(&c, &crc_p, &crc_n))
                            goto none;
                    } else if (!skip_value(&c, 0)) {
                        goto none;
                    }
                    if (expect(&c, ','))
                        continue;
                    if (expect(&c, '}'))
                        break;
                    goto none;
                }
            }
        } else if (name_p == NULL) {
            if (!read_string(&c, &name_p, &name_n))
                goto none;
        } else if (pair_p == NULL) {
            if (!read_string(&c, &pair_p, &pair_n))
                goto none;
        } else {
            goto none;
        }
    }
    if (!expect(&c, ']'))
        goto none;
    skip_ws(&c);
    if (c.p != c.end || payloads == 0 || pair_p == NULL || name_n < 6 ||
        memcmp(name_p, "book-", 5) != 0)
        goto none;
    pair = PyUnicode_DecodeUTF8(pair_p, pair_n, NULL);
    if (pair == NULL)
        goto fail;
    int pp, qp, found = symbol_precisions(precisions, pair, &pp, &qp);
    if (found < 0)
        goto fail;
    if (found == 0)
        goto none;
    deltas = PyList_New(0);
    if (deltas == NULL)
        goto fail;
    long long ts = 0;
    for (int at = 0; at < payloads; at++) {
        for (int i = 0; i < 2; i++) { /* the asks ("a") first, then the bids */
            if (side_pos[at][i] == NULL)
                continue;
            Cursor cs = {side_pos[at][i], c.end};
            long long stamp = -1;
            int rc = rows_into(&cs, pp, qp, i ? buy : sell, &stamp, deltas);
            if (rc < 0)
                goto fail;
            if (rc == 0)
                goto none;
            if (stamp >= 0)
                ts = stamp;
        }
    }
    if (crc_p != NULL) {
        crc = PyUnicode_DecodeUTF8(crc_p, crc_n, NULL);
        if (crc == NULL)
            goto fail;
    } else {
        crc = Py_None;
        Py_INCREF(crc);
    }
    PyObject *out = Py_BuildValue("(OOOL)", pair, deltas, crc, ts);
    Py_DECREF(pair);
    Py_DECREF(deltas);
    Py_DECREF(crc);
    PyBuffer_Release(&view);
    return out;
none:
    Py_XDECREF(pair);
    Py_XDECREF(deltas);
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(pair);
    Py_XDECREF(deltas);
    PyBuffer_Release(&view);
    return NULL;
}

/* --- apply_deltas ------------------------------------------------------------------------ */

/* bisect_left over a list of ints; -1 with an exception set on a failed comparison. */
static Py_ssize_t bisect_left(PyObject *list, PyObject *key) {
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(list);
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        int lt = PyObject_RichCompareBool(PyList_GET_ITEM(list, mid), key, Py_LT);
        if (lt < 0)
            return -1;
        if (lt)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* insort's slot (right: after any equal key, as bisect.insort; keys are distinct) for `key`
 * in the ascending `keys`; -1 with an exception set on a failed comparison. */
static Py_ssize_t insort_slot(PyObject *keys, PyObject *key) {
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(keys);
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        int lt = PyObject_RichCompareBool(key, PyList_GET_ITEM(keys, mid), Py_LT);
        if (lt < 0)
            return -1;
        if (lt)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* One level: set (qty > 0) or delete (qty == 0) `price` in `levels`, keeping `keys` (holding
 * `key`, the price or its negation) sorted. 0 on success, -1 with an exception set. */
static int apply_one(PyObject *levels, PyObject *keys, PyObject *price, PyObject *key,
                     PyObject *qty) {
    int nonzero = PyObject_IsTrue(qty);
    if (nonzero < 0)
        return -1;
    int present = PyDict_Contains(levels, price);
    if (present < 0)
        return -1;
    if (nonzero) {
        if (!present) {
            Py_ssize_t lo = insort_slot(keys, key);
            if (lo < 0 || PyList_Insert(keys, lo, key) < 0)
                return -1;
        }
        return PyDict_SetItem(levels, price, qty);
    }
    if (!present)
        return 0;
    if (PyDict_DelItem(levels, price) < 0)
        return -1;
    Py_ssize_t at = bisect_left(keys, key);
    if (at < 0)
        return -1;
    return PyList_SetSlice(keys, at, at + 1, NULL);
}

/* The value of an exact int that fits a long long: 1 with *v set, else 0 (nothing raised). */
static inline int small_int(PyObject *o, long long *v) {
    if (!PyLong_CheckExact(o))
        return 0;
    int overflow;
    *v = PyLong_AsLongLongAndOverflow(o, &overflow);
    return !overflow;
}

/* In the ascending `keys`, the first index whose key is > k (right: insort's slot) or >= k
 * (bisect_left's), searched by galloping from the end: the best levels are at the end and
 * most changes land near them, so this takes a few comparisons of C integers where a bisect
 * takes log2(n) generic ones. -2 when a key probed is not a small exact int (the caller
 * takes the generic path; nothing has changed yet). */
static Py_ssize_t slot_from_end(PyObject *keys, long long k, int right) {
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(keys), n = hi, step = 1;
    long long v;
    for (;;) { /* every index >= hi holds, every index < lo does not */
        Py_ssize_t j = n - step;
        if (j < lo)
            j = lo;
        if (j >= hi)
            break;
        if (!small_int(PyList_GET_ITEM(keys, j), &v))
            return -2;
        if (right ? k < v : v >= k) {
            hi = j;
            if (j == lo)
                break;
            step <<= 1;
        } else {
            lo = j + 1;
            break;
        }
    }
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (!small_int(PyList_GET_ITEM(keys, mid), &v))
            return -2;
        if (right ? k < v : v >= k)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* apply_one for a price and qty that are small exact ints (p, q): one dict lookup for a set
 * (whether it inserted shows in the dict's size), no key object made unless a level is new,
 * and the key's slot found by slot_from_end. 0 done, -1 with an exception, 1 when a delete
 * finds a key that is not a small exact int: nothing has changed and the generic apply_one
 * decides. */
static int apply_small(PyObject *levels, PyObject *keys, int negate, PyObject *price, long long p,
                       PyObject *qty, long long q) {
    long long k = negate ? -p : p;
    if (q) {
        Py_ssize_t before = PyDict_GET_SIZE(levels);
        if (PyDict_SetItem(levels, price, qty) < 0)
            return -1;
        if (PyDict_GET_SIZE(levels) == before)
            return 0; /* an existing level: the keys are unchanged */
        PyObject *key = negate ? PyLong_FromLongLong(k) : (Py_INCREF(price), price);
        if (key == NULL)
            return -1;
        Py_ssize_t at = slot_from_end(keys, k, 1);
        if (at == -2)
            at = insort_slot(keys, key);
        int rc = at < 0 ? -1 : PyList_Insert(keys, at, key);
        Py_DECREF(key);
        return rc;
    }
    int present = PyDict_Contains(levels, price);
    if (present <= 0)
        return present; /* a delete of an absent level is normal */
    Py_ssize_t at = slot_from_end(keys, k, 0);
    if (at == -2)
        return 1;
    if (PyDict_DelItem(levels, price) < 0)
        return -1;
    return PyList_SetSlice(keys, at, at + 1, NULL);
}

static PyObject *apply_deltas(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("apply_deltas", nargs, 6) ||
        !arg_type_ok("apply_deltas", args[0], &PyDict_Type) ||
        !arg_type_ok("apply_deltas", args[1], &PyDict_Type) ||
        !arg_type_ok("apply_deltas", args[2], &PyList_Type) ||
        !arg_type_ok("apply_deltas", args[3], &PyList_Type))
        return NULL;
    PyObject *bids = args[0], *asks = args[1], *bid_keys = args[2], *ask_keys = args[3];
    PyObject *deltas = args[4], *buy = args[5];
    PyObject *seq = PySequence_Fast(deltas, "deltas must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = items[i];
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 3) {
            PyErr_SetString(PyExc_TypeError, "a delta is a (side, price, qty) tuple");
            goto fail;
        }
        PyObject *side = PyTuple_GET_ITEM(row, 0);
        PyObject *price = PyTuple_GET_ITEM(row, 1);
        PyObject *qty = PyTuple_GET_ITEM(row, 2);
        int rc;
        long long p, q;
        if (small_int(price, &p) && p != LLONG_MIN && small_int(qty, &q)) {
            rc = side == buy ? apply_small(bids, bid_keys, 0, price, p, qty, q)
                             : apply_small(asks, ask_keys, 1, price, p, qty, q);
            if (rc < 0)
                goto fail;
            if (rc == 0)
                continue;
        }
        if (side == buy) {
            rc = apply_one(bids, bid_keys, price, price, qty);
        } else {
            PyObject *key = PyNumber_Negative(price);
            if (key == NULL)
                goto fail;
            rc = apply_one(asks, ask_keys, price, key, qty);
            Py_DECREF(key);
        }
        if (rc < 0)
            goto fail;
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

/* --- book_levels ------------------------------------------------------------------------ */

/* Append (side, price, qty) for one side's keys, best first, to `out` at *at. Ask keys are
 * negated prices (OrderBook's layout). 0 or -1 with an exception. */
static int side_levels(PyObject *levels, PyObject *keys, int negate, PyObject *side, PyObject *out,
                       Py_ssize_t *at) {
    for (Py_ssize_t i = PyList_GET_SIZE(keys) - 1; i >= 0; i--) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        PyObject *price = negate ? PyNumber_Negative(key) : (Py_INCREF(key), key);
        if (price == NULL)
            return -1;
        PyObject *qty = PyDict_GetItemWithError(levels, price); /* borrowed */
        if (qty == NULL) {
            Py_DECREF(price);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_KeyError, "a key without its level");
            return -1;
        }
        PyObject *row = PyTuple_New(3);
        if (row == NULL) {
            Py_DECREF(price);
            return -1;
        }
        PyObject_GC_UnTrack(row); /* see LEVEL ROWS above */
        Py_INCREF(side);
        Py_INCREF(qty);
        PyTuple_SET_ITEM(row, 0, side);
        PyTuple_SET_ITEM(row, 1, price); /* the reference taken above */
        PyTuple_SET_ITEM(row, 2, qty);
        PyTuple_SET_ITEM(out, (*at)++, row);
    }
    return 0;
}

static PyObject *book_levels(PyObject *self, PyObject *args) {
    PyObject *bids, *asks, *bid_keys, *ask_keys, *buy, *sell;
    if (!PyArg_ParseTuple(args, "O!O!O!O!OO:book_levels", &PyDict_Type, &bids, &PyDict_Type,
                          &asks, &PyList_Type, &bid_keys, &PyList_Type, &ask_keys, &buy, &sell))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(bid_keys) + PyList_GET_SIZE(ask_keys), at = 0;
    PyObject *out = PyTuple_New(n);
    if (out == NULL)
        return NULL;
    PyObject_GC_UnTrack(out); /* it holds level rows only */
    if (side_levels(bids, bid_keys, 0, buy, out, &at) < 0 ||
        side_levels(asks, ask_keys, 1, sell, out, &at) < 0) {
        Py_DECREF(out); /* unset slots are NULL, which tuple dealloc skips */
        return NULL;
    }
    return out;
}

/* --- kraken_crc -------------------------------------------------------------------------- */

/* Slice-by-8 CRC32 (zlib's polynomial, reflected): eight table lookups per 8 bytes instead of
 * a dependent lookup per byte; about four times the byte-wise speed on the ~300 bytes of a
 * Kraken checksum text. */
static uint32_t CRC_TABLE[8][256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        CRC_TABLE[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            CRC_TABLE[t][i] = (CRC_TABLE[t - 1][i] >> 8) ^ CRC_TABLE[0][CRC_TABLE[t - 1][i] & 0xFF];
}

static uint32_t crc_update(uint32_t crc, const char *buf, size_t len) {
    const unsigned char *p = (const unsigned char *)buf;
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                      (uint32_t)p[7] << 24;
        crc = CRC_TABLE[7][lo & 0xFF] ^ CRC_TABLE[6][(lo >> 8) & 0xFF] ^
              CRC_TABLE[5][(lo >> 16) & 0xFF] ^ CRC_TABLE[4][lo >> 24] ^
              CRC_TABLE[3][hi & 0xFF] ^ CRC_TABLE[2][(hi >> 8) & 0xFF] ^
              CRC_TABLE[1][(hi >> 16) & 0xFF] ^ CRC_TABLE[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = CRC_TABLE[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* "00".."99": two digits per division when writing a number's decimal digits. */
static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* u as decimal digits at *p (no leading zeros; "0" for 0); the number of chars written. */
static int write_u64(uint64_t u, char *p) {
    char tmp[24];
    int n = 24;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        tmp[--n] = DIGIT_PAIRS[2 * r + 1];
        tmp[--n] = DIGIT_PAIRS[2 * r];
    }
    if (u >= 10) {
        tmp[--n] = DIGIT_PAIRS[2 * u + 1];
        tmp[--n] = DIGIT_PAIRS[2 * u];
    } else {
        tmp[--n] = (char)('0' + u);
    }
    memcpy(p, tmp + n, (size_t)(24 - n));
    return 24 - n;
}

/* value * 10**shift (shift >= 0) or value // 10**-shift, as decimal digits at *p; the number
 * of chars written, or -1 (OverflowError set) when it does not fit 64 bits. */
static int digits_of(long long v, int shift, char *p) {
    if (v < 0) {
        PyErr_SetString(PyExc_OverflowError, "a level outside 0..2**63");
        return -1;
    }
    uint64_t u = (uint64_t)v;
    if (shift >= 0) {
        if (shift > 19 || __builtin_mul_overflow(u, POW10[shift], &u)) {
            PyErr_SetString(PyExc_OverflowError, "a level outside 0..2**64");
            return -1;
        }
    } else {
        u = -shift > 19 ? 0 : u / POW10[-shift];
    }
    return write_u64(u, p);
}

/* A Python int as a C long long; -1 with OverflowError set when it does not fit. */
static int as_ll(PyObject *number, long long *out) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(number, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "a level outside 0..2**63");
        return -1;
    }
    *out = v;
    return 0;
}

/* The digits of the top `depth` levels of one side into buf; chars written or -1. Ask keys
 * are negated prices (OrderBook's layout), so the ask's price is -key and its level is
 * looked up under that price. */
static Py_ssize_t side_digits(PyObject *levels, PyObject *keys, int negate, int depth,
                              int pshift, int qshift, char *buf) {
    Py_ssize_t size = PyList_GET_SIZE(keys), w = 0;
    for (Py_ssize_t i = 0; i < depth && i < size; i++) {
        PyObject *key = PyList_GET_ITEM(keys, size - 1 - i);
        long long price_v, qty_v;
        if (as_ll(key, &price_v) < 0)
            return -1;
        PyObject *qty;
        if (negate) {
            if (price_v == LLONG_MIN) {
                PyErr_SetString(PyExc_OverflowError, "a level outside 0..2**63");
                return -1;
            }
            price_v = -price_v;
            PyObject *price = PyLong_FromLongLong(price_v);
            if (price == NULL)
                return -1;
            qty = PyDict_GetItemWithError(levels, price); /* borrowed */
            Py_DECREF(price);
        } else {
            qty = PyDict_GetItemWithError(levels, key); /* borrowed */
        }
        if (qty == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_KeyError, "a key without its level");
            return -1;
        }
        if (as_ll(qty, &qty_v) < 0)
            return -1;
        int n = digits_of(price_v, pshift, buf + w);
        if (n < 0)
            return -1;
        w += n;
        n = digits_of(qty_v, qshift, buf + w);
        if (n < 0)
            return -1;
        w += n;
    }
    return w;
}

static PyObject *kraken_crc(PyObject *self, PyObject *args) {
    PyObject *asks, *ask_keys, *bids, *bid_keys;
    int depth, pshift, qshift;
    if (!PyArg_ParseTuple(args, "O!O!O!O!iii:kraken_crc", &PyDict_Type, &asks, &PyList_Type,
                          &ask_keys, &PyDict_Type, &bids, &PyList_Type, &bid_keys, &depth,
                          &pshift, &qshift))
        return NULL;
    if (depth < 0 || depth > 1000) {
        PyErr_SetString(PyExc_ValueError, "depth must be within 0..1000");
        return NULL;
    }
    /* at most 2 numbers of 20 digits per level, two sides; the stack for Kraken's 10 */
    char small[2 * 10 * 40 + 1];
    char *buf = depth <= 10 ? small : PyMem_Malloc((size_t)depth * 2 * 40 + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    Py_ssize_t w = side_digits(asks, ask_keys, 1, depth, pshift, qshift, buf);
    Py_ssize_t v = w < 0 ? -1 : side_digits(bids, bid_keys, 0, depth, pshift, qshift, buf + w);
    PyObject *out = NULL;
    if (v >= 0)
        out = PyLong_FromUnsignedLong(crc_update(0, buf, (size_t)(w + v)));
    if (buf != small)
        PyMem_Free(buf);
    return out;
}

static PyMethodDef methods[] = {
    {"parse_pairs", parse_pairs, METH_VARARGS,
     "parse_pairs(buf, price_precision, qty_precision, side=None) -> list | None"},
    {"kraken_levels", kraken_levels, METH_VARARGS,
     "kraken_levels(buf, price_precision, qty_precision, side=None) -> (list, last_ts_ns) | None"},
    {"binance_frame", (PyCFunction)(void (*)(void))binance_frame, METH_FASTCALL,
     "binance_frame(buf, precisions, buy, sell) -> tuple | None"},
    {"binance_snapshot", binance_snapshot, METH_VARARGS,
     "binance_snapshot(buf, price_precision, qty_precision) -> tuple | None"},
    {"kraken_update", (PyCFunction)(void (*)(void))kraken_update, METH_FASTCALL,
     "kraken_update(buf, precisions, buy, sell) -> tuple | None"},
    {"apply_deltas", (PyCFunction)(void (*)(void))apply_deltas, METH_FASTCALL,
     "apply_deltas(bids, asks, bid_keys, ask_keys, deltas, buy) -> None"},
    {"book_levels", book_levels, METH_VARARGS,
     "book_levels(bids, asks, bid_keys, ask_keys, buy, sell) -> tuple"},
    {"kraken_crc", kraken_crc, METH_VARARGS,
     "kraken_crc(asks, ask_keys, bids, bid_keys, depth, price_shift, qty_shift) -> int"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native",
                                    "The feeds' innermost loops in C.", -1, methods};

PyMODINIT_FUNC PyInit__native(void) {
    crc_init();
    for (int i = 0; i < 256; i++)
        NOT_PLAIN[i] = i == '"' || i == '\\' || i < 0x20 || i >= 0x80;
    return PyModule_Create(&module);
}
