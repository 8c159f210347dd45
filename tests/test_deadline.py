"""The per-process query deadline (``server.sparql.Deadline``): expiry and priority yielding."""

from __future__ import annotations

import os
import threading
import time

import pytest

from server.sparql import Deadline

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="needs setpriority")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_long_query_yields_the_cpu_and_gets_it_back():
    deadline = Deadline(poll=0.01, yield_after=0.1)
    before = _niceness()
    deadline.arm(10, lambda: None)
    _busy(0.3)
    during = _niceness()
    restored = deadline.disarm()
    assert during == before + Deadline.YIELD_NICENESS
    if os.geteuid() == 0:  # only a privileged process may raise its priority again
        assert restored and _niceness() == before
    else:
        assert not restored  # the guard then retires the worker


def test_a_short_query_keeps_its_priority():
    deadline = Deadline(poll=0.01, yield_after=0.5)
    before = _niceness()
    deadline.arm(10, lambda: None)
    _busy(0.05)
    assert deadline.disarm()
    assert _niceness() == before


def test_the_deadline_fires_once_and_not_after_disarm():
    deadline = Deadline(poll=0.01)
    fired: list[float] = []
    deadline.arm(0.1, lambda: fired.append(time.monotonic()))
    time.sleep(0.4)
    deadline.disarm()
    assert len(fired) == 1
    deadline.arm(0.1, lambda: fired.append(time.monotonic()))
    deadline.disarm()
    time.sleep(0.3)
    assert len(fired) == 1
