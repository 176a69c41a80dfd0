/* bot4.marketdata._native: the feeds' innermost loops in C.
 *
 * Four functions, each the exact twin of a Python reference that stays the specification
 * and the fallback (bot4.marketdata._speedups picks one; the property tests in
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
 *   apply_deltas(bids, asks, bid_keys, ask_keys, deltas, buy)
 *       OrderBook.apply_deltas on the book's dicts and sorted key lists.
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
        PyObject *row = side != Py_None ? PyTuple_New(3) : PyTuple_New(2);
        if (row == NULL)
            return -1;
        PyObject *pv = PyLong_FromUnsignedLongLong(price);
        PyObject *qv = PyLong_FromUnsignedLongLong(qty);
        if (pv == NULL || qv == NULL) {
            Py_XDECREF(pv);
            Py_XDECREF(qv);
            Py_DECREF(row);
            return -1;
        }
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

/* rows_into over the whole of `source` (a buffer): the list, None to decline, NULL on error. */
static PyObject *parse_rows(PyObject *source, int pprec, int qprec, PyObject *side,
                            long long *stamp) {
    if (pprec < 0 || pprec > 18 || qprec < 0 || qprec > 18) {
        PyErr_SetString(PyExc_ValueError, "precisions must be within 0..18");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Cursor c = {(const char *)view.buf, (const char *)view.buf + view.len};
    PyObject *out = PyList_New(0);
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
    return parse_rows(source, pprec, qprec, side, NULL);
}

static PyObject *kraken_levels(PyObject *self, PyObject *args) {
    PyObject *source, *side = Py_None;
    int pprec, qprec;
    if (!PyArg_ParseTuple(args, "Oii|O:kraken_levels", &source, &pprec, &qprec, &side))
        return NULL;
    long long stamp = -1;
    PyObject *rows = parse_rows(source, pprec, qprec, side, &stamp);
    if (rows == NULL || rows == Py_None)
        return rows;
    return Py_BuildValue("(NL)", rows, stamp);
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
            /* insort (right): after any equal key, as bisect.insort; keys are distinct */
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
            if (PyList_Insert(keys, lo, key) < 0)
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

static PyObject *apply_deltas(PyObject *self, PyObject *args) {
    PyObject *bids, *asks, *bid_keys, *ask_keys, *deltas, *buy;
    if (!PyArg_ParseTuple(args, "O!O!O!O!OO:apply_deltas", &PyDict_Type, &bids, &PyDict_Type,
                          &asks, &PyList_Type, &bid_keys, &PyList_Type, &ask_keys, &deltas,
                          &buy))
        return NULL;
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
    {"apply_deltas", apply_deltas, METH_VARARGS,
     "apply_deltas(bids, asks, bid_keys, ask_keys, deltas, buy) -> None"},
    {"kraken_crc", kraken_crc, METH_VARARGS,
     "kraken_crc(asks, ask_keys, bids, bid_keys, depth, price_shift, qty_shift) -> int"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native",
                                    "The feeds' innermost loops in C.", -1, methods};

PyMODINIT_FUNC PyInit__native(void) {
    crc_init();
    return PyModule_Create(&module);
}
