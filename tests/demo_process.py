"""`amo1c demo` as a person starts it, for tests: a subprocess whose output is read by threads the whole time (a pipe
nobody reads blocks the demo once it fills) and waited for with a deadline (a hung demo fails the test, not CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_DEADLINE = 90.0  # seconds: the demo seeds the fakes through the real APIs before it prints its links


class DemoProcess:
    """A running demo: its ports and everything it has printed so far (stdout and stderr kept apart)."""

    def __init__(self, process: subprocess.Popen[str], ports: dict[str, int], workdir: Path) -> None:
        self.process = process
        self.ports = ports
        self.workdir = workdir
        self._out: list[str] = []
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            for stream, sink in ((process.stdout, self._out), (process.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self._out)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_for(self, text: str, deadline: float = START_DEADLINE) -> str:
        """What the demo printed up to the line holding `text`; raises AssertionError when it exits or the
        deadline passes first (with what it printed)."""
        ends = time.monotonic() + deadline
        while text not in self.stdout:
            if self.process.poll() is not None or time.monotonic() > ends:
                raise AssertionError(f"the demo did not print {text!r}: {self.stdout} {self.stderr}")
            time.sleep(0.05)
        return self.stdout

    def stop(self) -> str:
        """Stop it (SIGTERM, as Ctrl+C would) and return all it printed to stdout."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return self.stdout


@contextmanager
def running_demo(workdir: Path, ports: dict[str, int]) -> Iterator[DemoProcess]:
    """Start `amo1c demo` on `ports` (amo1c, amocrm, onec) in `workdir` without AMO1C_* variables; stop it after."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "demo", "--port", str(ports["amo1c"]),
         "--amocrm-port", str(ports["amocrm"]), "--onec-port", str(ports["onec"])],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    demo = DemoProcess(process, ports, workdir)
    try:
        yield demo
    finally:
        if process.poll() is None:
            demo.stop()
