"""DataErrors (bounded messages and log lines) and line streams from plain, gz and zip files."""

from __future__ import annotations

import gzip
import logging
import zipfile
from pathlib import Path

import pytest

from bot4.errors import DataError
from bot4.marketdata.readers import DataErrors
from bot4.marketdata.readers._datafile import open_lines, read_head


def test_skip_counts_everything_keeps_the_first_messages_and_logs_a_few(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors = DataErrors("skip", max_messages=3, max_logged=2)
    with caplog.at_level(logging.WARNING):
        for n in range(1, 6):
            errors.report("f.csv", n, "bad")
    assert errors.count == 5
    assert errors.messages == ["f.csv:1: bad", "f.csv:2: bad", "f.csv:3: bad"]
    assert [r.getMessage() for r in caplog.records] == [
        "skipped f.csv:1: bad",
        "skipped f.csv:2: bad",
        "further bad lines are counted, not logged",
    ]
    assert "count=5" in repr(errors)


def test_stop_raises_the_message() -> None:
    errors = DataErrors("stop")
    with pytest.raises(DataError, match=r"^f\.csv:7: bad$"):
        errors.report("f.csv", 7, "bad")


def test_lines_of_plain_gz_and_zip_files(tmp_path: Path) -> None:
    text = "a,b\r\n1,2\n"
    plain = tmp_path / "x.csv"
    plain.write_text(text, encoding="utf-8", newline="")
    gz = tmp_path / "x.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8", newline="") as f:
        f.write(text)
    zp = tmp_path / "x.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("dir/", "")
        z.writestr("dir/x.csv", text)
    for path in (plain, gz, zp):
        with open_lines(path) as lines:
            assert list(lines) == ["a,b\r\n", "1,2\n"]
        assert read_head(path, 1) == ["a,b\r\n"]


def test_a_corrupt_gz_is_a_data_error(tmp_path: Path) -> None:
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read"):
        read_head(gz, 1)
