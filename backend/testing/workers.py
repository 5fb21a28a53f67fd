"""Several `amo1c serve` processes on 127.0.0.1, each on a port of its own, as a load balancer would see them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import httpx


class WorkerStartError(RuntimeError):
    """A worker exited or did not answer /healthz in time; the message ends with the tail of its output."""


class ServeWorkers:
    """`count` real `python -m backend serve` processes with one AMO1C_* environment (so one database).

    A context manager: entering starts them all and waits until each answers GET /healthz, leaving terminates
    them (SIGTERM, then SIGKILL after a grace period). Their output goes to files in a temporary directory.
    With `cpus` (Linux) every worker runs only on those CPUs, so a benchmark can keep its load generator off them.
    Raises WorkerStartError.
    """

    def __init__(
        self, count: int, env: Mapping[str, str], *, host: str = "127.0.0.1", cpus: set[int] | None = None
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._count = count
        self._env = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}
        self._env.update(env)
        self._host = host
        self._cpus = cpus
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._processes: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []

    def start(self, timeout: float = 60.0) -> list[str]:
        """Start every worker and wait until all answer; returns their base URLs. Raises WorkerStartError."""
        self._dir = tempfile.TemporaryDirectory(prefix="amo1c-workers-")
        for index in range(self._count):
            port = _free_port(self._host)
            with open(self._log(index), "wb") as output:  # the child keeps its own copy of the descriptor
                self._processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "backend", "serve", "--host", self._host, "--port", str(port)],
                        env=self._env,
                        cwd=self._dir.name,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        preexec_fn=None if self._cpus is None else _pinned(self._cpus),
                    )
                )
            self.urls.append(f"http://{self._host}:{port}")
        deadline = time.monotonic() + timeout
        for index, url in enumerate(self.urls):
            self._wait_healthy(index, url, deadline)
        return self.urls

    def stop(self, grace: float = 15.0) -> None:
        """Terminate every worker, killing those still running after `grace` seconds, and remove their files."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self.urls.clear()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    @property
    def pids(self) -> list[int]:
        """The workers' process ids (for the benchmarks' CPU accounting)."""
        return [process.pid for process in self._processes]

    def output(self, index: int) -> str:
        """What worker `index` printed so far (uvicorn's log, tracebacks)."""
        try:
            return self._log(index).read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> ServeWorkers:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _log(self, index: int) -> Path:
        assert self._dir is not None
        return Path(self._dir.name) / f"worker-{index}.log"

    def _wait_healthy(self, index: int, url: str, deadline: float) -> None:
        process = self._processes[index]
        while True:
            if process.poll() is not None:
                raise WorkerStartError(f"worker {url} exited with {process.returncode}: {self._tail(index)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise WorkerStartError(f"worker {url} did not answer /healthz in time: {self._tail(index)}")
            time.sleep(0.1)

    def _tail(self, index: int) -> str:
        return " | ".join(self.output(index).strip().splitlines()[-8:]) or "no output"


def _pinned(cpus: set[int]) -> Callable[[], None]:
    """What a child runs before its program so that it (and every thread it starts) stays on `cpus`."""
    return lambda: os.sched_setaffinity(0, cpus)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
