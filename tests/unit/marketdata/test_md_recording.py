"""Recording reader: every line shape of the format, bytes literals, bad lines, headers."""

from __future__ import annotations

from pathlib import Path

from bot4.marketdata.sources.recording import parse_line, parse_ts, read_header, read_records


def test_line_shapes() -> None:
    connect = parse_line("wss://ws.kraken.com <-> 1618678132.3858151\n")
    assert connect is not None and connect.kind == "connect"
    assert connect.url == "wss://ws.kraken.com" and connect.ts_ns == 1618678132385815100
    sent = parse_line('wss://ws.kraken.com <- 1618678132.8: {"event":"subscribe"}')
    assert sent is not None and sent.kind == "sent" and sent.body == '{"event":"subscribe"}'
    recv = parse_line('1618678133.5: [1, {"a": []}, "book-10", "XBT/USD"]')
    assert recv is not None and recv.kind == "recv" and recv.ts_ns == 1618678133500000000
    assert recv.body.startswith("[1,")
    http = parse_line("https://x/api/v3/depth?symbol=A&limit=1000 -> 1.25: {}")
    assert http is not None and http.kind == "http" and http.url.endswith("limit=1000")
    assert http.ts_ns == 1_250_000_000
    config = parse_line('configuration: {"l2_book": ["A"]}')
    assert config is not None and config.kind == "config"


def test_bytes_literal_bodies_and_bad_lines() -> None:
    rec = parse_line('1652459225.5: b\'{"op": "x"}\'')
    assert rec is not None and rec.body == '{"op": "x"}'
    assert parse_line("") is None and parse_line("   \n") is None
    for bad in ("no timestamp here", "abc: {}", "1.5x: {}", "1.5: b'unterminated"):
        rec = parse_line(bad)
        assert rec is not None and rec.kind == "bad" and rec.body == bad


def test_parse_ts_is_exact() -> None:
    assert parse_ts("1633998512.0633569") == 1633998512063356900
    assert parse_ts("1633998512") == 1633998512000000000


def test_read_files(tmp_path: Path) -> None:
    ws = tmp_path / "X.ws.1.0"
    ws.write_text("wss://a <-> 1.0\n2.0: {}\n\n\ngarbage\n", encoding="utf-8")
    kinds = [r.kind for r in read_records(ws)]
    assert kinds == ["connect", "recv", "bad"]
    header = tmp_path / "X.0"
    header.write_text(
        'https://a/exchangeInfo -> 1.0: {"symbols": []}\nconfiguration: {"l2_book": ["A-B"]}\n',
        encoding="utf-8",
    )
    h = read_header(header)
    assert h.configuration == {"l2_book": ["A-B"]}
    assert [r.url for r in h.responses] == ["https://a/exchangeInfo"]
    header.write_text("configuration: {not json\n", encoding="utf-8")
    assert read_header(header).configuration == {}


def test_reads_every_shared_recording(recordings: Path) -> None:
    for path in sorted(recordings.glob("*.ws.*")):
        records = list(read_records(path))
        assert records[0].kind == "connect", path
        assert not [r for r in records if r.kind == "bad"], path
        assert sum(r.kind == "recv" for r in records) > 10, path
