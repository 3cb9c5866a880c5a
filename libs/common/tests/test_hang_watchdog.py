"""The hang watchdog ends a pytest process that hangs where pytest-timeout does not look, and says
where it hung."""

import subprocess
import sys
import textwrap
from pathlib import Path

# A pytest run with the watchdog as its only plugin and its bounds shortened to seconds.
RUN = """
import sys, pytest
import trainyard_common.testing.watchdog as watchdog
watchdog.EXIT_GRACE_SECONDS = 2
watchdog._bound = lambda item: 3
sys.exit(pytest.main(["-p", "trainyard_common.testing.watchdog", "-p", "no:cacheprovider", "-o", "timeout=0", "-q",
                      sys.argv[1]]))
"""


def _run(tmp_path: Path, test_source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_subject.py").write_text(textwrap.dedent(test_source))
    return subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "test_subject.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def test_a_test_that_hangs_past_its_bound_ends_the_run_with_its_stack(tmp_path: Path) -> None:
    run = _run(tmp_path, "import time\ndef test_stuck():\n    time.sleep(10_000)\n")
    assert run.returncode == 1
    assert "hang watchdog: test_subject.py::test_stuck is still running" in run.stderr
    assert "time.sleep(10_000)" in run.stderr


def test_a_process_that_does_not_exit_after_its_session_ends_with_its_threads(tmp_path: Path) -> None:
    source = """
        import threading, time
        def test_leaves_a_thread():
            threading.Thread(target=time.sleep, args=(10_000,), name="left-behind").start()
    """
    run = _run(tmp_path, source)
    assert "1 passed" in run.stdout
    assert run.returncode == 1
    assert "the session ended but the process has not exited" in run.stderr
    assert "--- thread left-behind ---" in run.stderr


def test_a_run_that_ends_in_time_is_left_alone(tmp_path: Path) -> None:
    run = _run(tmp_path, "def test_quick():\n    pass\n")
    assert run.returncode == 0, run.stderr
    assert "hang watchdog" not in run.stderr
