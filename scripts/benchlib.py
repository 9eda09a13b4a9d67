"""What the benchmark scripts share: memory readings, a static web server and Chromium for the
browser measurements, and BENCHMARKS.md, in which each script writes only its own section
(between `<!-- NAME:start -->` and `<!-- NAME:end -->`)."""

from __future__ import annotations

import argparse
import functools
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")  # Debian's: browsers cannot be downloaded on this machine
# Headless and quiet: no sandbox (root), and none of Chromium's own network chatter.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]

HEADER = (
    "# Benchmarks\n\n"
    "Measured figures for paperkg. Each `##` section is written by its own script between "
    "`<!-- NAME:start -->` and `<!-- NAME:end -->` markers; re-running a script replaces "
    "only its own section, so add new benchmarks as new sections.\n\n"
)


# Python source for measuring scripts run with `python -c`. ADOPT makes the script a child
# subreaper (Linux): processes its children leave behind are handed to it. REAP waits for them
# all, so that RUSAGE_CHILDREN counts them too.
ADOPT = "import ctypes\nctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
REAP = "import os\nwhile True:\n    try:\n        os.wait()\n    except ChildProcessError:\n        break\n"


def write_section(path: Path, name: str, section: str) -> None:
    start_mark, end_mark = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start_mark}\n{section}\n{end_mark}"
    text = path.read_text("utf-8") if path.exists() else HEADER
    start, end = text.find(start_mark), text.find(end_mark)
    if start != -1 and end > start:
        text = text[:start] + block + text[end + len(end_mark) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_name(f".{path.name}.{name}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)  # another script may be reading the file: never half written


def rounds_arguments(description: str, out: Path) -> argparse.ArgumentParser:
    """The options of a benchmark that compares ways in alternating rounds on synthetic papers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--papers", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternately")
    parser.add_argument("--out", default=str(out), help="BENCHMARKS.md to update, or - to print")
    return parser


def ran_line(began: float, commit: str, load_before: float) -> str:
    """A section's "Ran" line, for a run in this process since `began` (time.perf_counter)."""
    return (f"- **Ran:** {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; whole run {time.perf_counter() - began:.0f} s; "
            f"paperkg commit {commit}; 1-minute load average {load_before:.2f} at the start, "
            f"{os.getloadavg()[0]:.2f} at the end (the machine is shared: compare within this run)")


def machine_line(machine: dict[str, str], extra: str = "") -> str:
    """A section's "Machine" line from bench_store's `machine_info()`, and `extra` after it."""
    return (f"- **Machine:** {machine['CPUs (os.cpu_count)']} CPUs ({machine['CPU model']}), {machine['memory']}, "
            f"{machine['Python']}{extra}")


def publish(section: str, out: str, name: str) -> None:
    """Print a script's section, and write it into the BENCHMARKS.md `out` unless that is "-"."""
    print(section)
    if out != "-":
        write_section(Path(out), name, section)


def status_kib(field: str) -> int | None:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in KiB."""
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS, so a phase gets its own
    peak (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """A static web server on loopback for `directory`, as any static host would serve a site."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
