"""A small process supervisor for ``zhidu serve``: start child processes, relay their
output with a name prefix to the terminal and to one log file per child, stop them all on
SIGINT/SIGTERM, and stop the rest when one dies.

Children run in their own process groups, so a Ctrl-C in the terminal reaches only the
supervisor, which then passes the signal on to each child, waits, and kills what is left.
On Linux each child also gets SIGTERM if the supervisor itself dies (``PR_SET_PDEATHSIG``),
so a killed supervisor does not leave a web server holding the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

LOG_ROTATE_BYTES = 10 * 1024 * 1024


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...
    def flush(self) -> Any: ...


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    log_path: Path | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def _pdeathsig() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - unusual libc
        return None
    pr_set_pdeathsig = 1

    def set_pdeathsig() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return set_pdeathsig


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        out: Writer | None = None,
        log_dir: Path | None = None,
        stop_timeout: float = 15.0,
    ):
        self.children = children
        self.out: Writer = out or sys.stdout
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.stop_requested = threading.Event()
        self.signal_count = 0
        # Children get the signal the supervisor got: Ctrl-C (SIGINT) makes gunicorn stop
        # at once, SIGTERM (systemd, docker stop) lets it finish the requests in flight.
        # The task worker and the scheduler finish their current task either way.
        self.stop_signal: int = signal.SIGTERM
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._width = max((len(c.name) for c in children), default=6)

    # --- output -------------------------------------------------------------------------
    def say(self, message: str) -> None:
        with self._lock:
            self.out.write(message.rstrip("\n") + "\n")
            self.out.flush()

    def _relay(self, child: Child, stream: IO[bytes]) -> None:
        log = None
        if child.log_path is not None:
            log = open(child.log_path, "ab")  # noqa: SIM115 - closed below, lives as long as the child
        prefix = f"{child.name:<{self._width}} | "
        try:
            for raw in iter(stream.readline, b""):
                if log is not None:
                    log.write(raw)
                    log.flush()
                self.say(prefix + raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        finally:
            stream.close()
            if log is not None:
                log.close()

    def _log_path(self, child: Child) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_dir / f"{child.name}.log"
        if path.exists() and path.stat().st_size > LOG_ROTATE_BYTES:
            path.replace(path.with_suffix(".log.1"))
        return path

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Start every child before any relay thread, so no thread runs while we fork."""
        preexec = _pdeathsig()
        for child in self.children:
            child.log_path = self._log_path(child)
            env = {**os.environ, "PYTHONUNBUFFERED": "1", **(child.env or {})}
            child.process = subprocess.Popen(
                child.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0,
                preexec_fn=preexec,  # noqa: PLW1509 - no other thread runs yet
            )
        for child in self.children:
            assert child.process is not None and child.process.stdout is not None
            t = threading.Thread(target=self._relay, args=(child, child.process.stdout), daemon=True)
            t.start()
            self._threads.append(t)

    def install_signal_handlers(self) -> None:
        def handler(signum, frame):
            self.signal_count += 1
            if self.signal_count == 1:
                self.stop_signal = signum
            if self.signal_count > 1:
                # A second Ctrl-C: do not wait for anyone.
                self.kill_all()
            self.stop_requested.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def wait(self, poll: float = 0.2) -> Child | None:
        """Block until a stop is requested (returns ``None``) or a child exits (returns it)."""
        while not self.stop_requested.is_set():
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    return child
            self.stop_requested.wait(poll)
        return None

    def _signal(self, child: Child, sig: int) -> None:
        if child.process is None or child.process.poll() is not None:
            return
        # The child's whole process group: gunicorn's workers go with their master.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, sig)

    def kill_all(self) -> None:
        for child in self.children:
            self._signal(child, signal.SIGKILL)

    def stop(self) -> None:
        """Signal every running child (``stop_signal``), wait up to ``stop_timeout``, then
        SIGKILL the rest."""
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            self._signal(child, self.stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop in {self.stop_timeout:.0f} s: killed")
                self._signal(child, signal.SIGKILL)
                child.process.wait()
        for t in self._threads:
            t.join(timeout=2)

    def run(self) -> tuple[int, Child | None]:
        """Start, wait, stop. Returns ``(exit code, the child that died first or None)``."""
        self.start()
        died = self.wait()
        self.stop()
        return (0, None) if died is None else (1, died)
