"""Helpers shared by the test suite, imported as `tests.support.<name>` (never by bare file name).

storage   a fresh PostgreSQL database per test, and both storage backends
pg_proxy  a TCP proxy in front of PostgreSQL that a test can cut (database outages)
waiting   bounded waits on a condition (instead of sleeps)
venues    a paper venue on a small real book, with order and trade builders
binance_emu  a Binance spot exchange on loopback (REST, user-data stream, faults)
"""
