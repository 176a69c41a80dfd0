"""Each source module's tests can be found by name: a test file whose name contains the module's
name (`marketdata/sync/binance.py` -> `test_sync_binance.py`), or, for a module tested through
its package's public face, the entry below that says where. A new module needs one or the other,
and an entry that a renamed test file or a new name match has made stale fails too.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "bot4"

# module (relative to src/bot4) -> the test files that exercise it (relative to tests/)
TESTED_IN: dict[str, tuple[str, ...]] = {
    "api/_control.py": ("unit/api/test_api_memory_node.py", "unit/engine/test_api_view.py"),
    "config/_redact.py": ("unit/config/test_config_show.py",),
    "engine/_node_ops.py": ("unit/engine/test_node.py",),
    "engine/_views.py": ("unit/engine/test_api_view.py", "unit/engine/test_report_journal.py"),
    "marketdata/_accel.py": (
        "unit/marketdata/test_md_twins.py",
        "unit/marketdata/test_md_native.py",
    ),
    "marketdata/_handler.py": ("unit/marketdata/test_sync_binance.py",),
    "marketdata/decode/_binance_schema.py": ("unit/marketdata/test_md_native.py",),
    "marketdata/recorder.py": ("unit/marketdata/test_md_cli_record.py",),
    "marketdata/sources/_backoff.py": ("unit/marketdata/test_ws_connection.py",),
    "marketdata/sources/_offline.py": ("unit/marketdata/test_md_cli_replay.py",),
    "marketdata/sources/_snapshot_server.py": ("unit/marketdata/test_replay_server.py",),
    "marketdata/sources/_ws_config.py": ("unit/marketdata/test_ws_connection.py",),
    "marketdata/synth/_ladder.py": ("unit/marketdata/test_synth.py",),
    "marketdata/synth/_session.py": ("unit/marketdata/test_synth.py",),
    "marketdata/synth/default.py": ("unit/marketdata/test_synth.py",),
    "model/_enums.py": ("unit/model/test_orders.py",),
    "model/_order_events.py": ("unit/oms/test_journal.py", "unit/oms/test_manager.py"),
    "notify/_bucket.py": ("unit/notify/test_notify_queue.py",),
    "notify/_sender.py": ("unit/notify/test_notifier.py", "unit/notify/test_notify_node.py"),
    "notify/_sinks.py": ("unit/notify/test_notifier.py",),
    "oms/_counters.py": ("unit/oms/test_manager.py",),
    "oms/_gate.py": ("unit/oms/test_manager.py",),
    "oms/_ids.py": ("unit/oms/test_manager.py",),
    "oms/_store.py": ("unit/oms/test_bounded_orders.py", "unit/oms/test_manager.py"),
    "resilience/_events.py": ("unit/resilience/test_breaker_core.py",),
    "resilience/_machine.py": ("unit/resilience/test_breaker_core.py",),
    "resilience/_permit.py": ("unit/resilience/test_breaker_async.py",),
    "resilience/_window.py": ("unit/resilience/test_breaker_core.py",),
    "risk/_ast_tools.py": ("unit/risk/test_compile.py",),
    "risk/_correlated.py": ("unit/risk/test_correlation.py",),
    "risk/_decision.py": ("unit/risk/test_checks.py",),
    "risk/_equity.py": ("unit/risk/test_checks.py", "unit/risk/test_kill_switch.py"),
    "risk/_slot.py": ("unit/risk/test_fast_path.py",),
    "risk/checks/exposure.py": ("unit/risk/test_checks.py",),
    "risk/checks/flow.py": ("unit/risk/test_checks.py",),
    "risk/checks/limits.py": ("unit/risk/test_checks.py",),
    "risk/engine.py": ("unit/risk/test_checks.py", "unit/risk/test_fast_path.py"),
    "storage/_migrate.py": ("unit/storage/test_backends.py",),
    "storage/_open.py": ("unit/storage/test_backends.py",),
    "storage/_partitions.py": ("unit/storage/test_edges.py",),
    "storage/_projection.py": ("unit/storage/test_backends.py",),
    "storage/_spill.py": ("unit/storage/test_edges.py",),
    "storage/postgres.py": ("unit/storage/test_backends.py", "integration/storage/test_outage.py"),
    "storage/sqlite.py": ("unit/storage/test_backends.py",),
    "venues/_protocol.py": ("unit/venues/test_paper.py",),
}


def _modules() -> list[str]:
    return sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name != "__init__.py")


def _by_name(module: str) -> list[Path]:
    stem = Path(module).stem.lstrip("_")
    return [t for t in (ROOT / "tests").rglob("test_*.py") if stem in t.stem]


def test_every_module_has_findable_tests() -> None:
    lost = [m for m in _modules() if not _by_name(m) and m not in TESTED_IN]
    assert lost == [], f"name a test file after these modules, or list them in TESTED_IN: {lost}"


def test_the_index_is_current() -> None:
    modules = set(_modules())
    stale = [m for m in TESTED_IN if m not in modules or _by_name(m)]
    assert stale == [], f"remove these TESTED_IN entries (gone, or found by name now): {stale}"
    missing = [
        t for files in TESTED_IN.values() for t in files if not (ROOT / "tests" / t).is_file()
    ]
    assert missing == [], f"TESTED_IN names test files that do not exist: {missing}"
