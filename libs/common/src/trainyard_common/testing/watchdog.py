"""A last guard against a test run that hangs where pytest-timeout does not look.

pytest-timeout (signal method) bounds each test's phases, but not the teardown that follows the
failure it raises, nor the interpreter's exit after the summary (non-daemon threads joined,
atexit handlers). A hang there held a CI run until the CI's own limit (90 minutes) with no trace
of where. This watchdog gives each test twice its timeout and a minute more, and the exit two
minutes; past that it prints every thread's stack and every pending asyncio task's, then ends the
process with status 1, so the run fails at once and says where it hung.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any, TextIO

import pytest

EXIT_GRACE_SECONDS = 120.0
"""From the end of the session to the end of the process."""


DEFAULT_TEST_SECONDS = 300.0
"""A test's time when pytest-timeout gives it none (or 0: unbounded there, bounded here)."""


def _bound(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    configured = float(marker.args[0] if marker and marker.args else item.config.getini("timeout") or 0)
    return 2 * (configured if configured > 0 else DEFAULT_TEST_SECONDS) + 60


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:  # noqa: ARG001
    watch = _arm(_bound(item), f"{item.nodeid} is still running (setup, call or teardown)", item.config)
    try:
        yield
    finally:
        watch.cancel()


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001
    # Not cancelled: the process ends before it fires, unless its exit hangs.
    _arm(EXIT_GRACE_SECONDS, "the session ended but the process has not exited", None)


def _arm(seconds: float, what: str, config: pytest.Config | None) -> threading.Timer:
    timer = threading.Timer(seconds, _dump_and_exit, args=(f"{what} after {seconds:.0f} s", config))
    timer.daemon = True
    timer.start()
    return timer


def _dump_and_exit(reason: str, config: pytest.Config | None) -> None:
    try:
        capture = config.pluginmanager.getplugin("capturemanager") if config else None
        if capture is not None:
            capture.suspend_global_capture(in_=True)  # the dump goes to the real stderr, not a capture
        out = sys.stderr
        print(f"\n{'+' * 30} hang watchdog: {reason} {'+' * 30}", file=out)
        _print_threads(out)
        _print_tasks(out)
        out.flush()
        sys.stdout.flush()
    finally:
        os._exit(1)


def _print_threads(out: TextIO) -> None:
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        print(f"\n--- thread {names.get(ident, ident)} ---", file=out)
        traceback.print_stack(frame, file=out)


def _print_tasks(out: TextIO) -> None:
    pending: list[Any] = [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]
    for task in pending:
        print(f"\n--- task {task.get_name()} ---", file=out)
        task.print_stack(file=out)
