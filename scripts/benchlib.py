"""What the benchmark scripts share: memory readings, and BENCHMARKS.md, in which each
script writes only its own section (between `<!-- NAME:start -->` and `<!-- NAME:end -->`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

HEADER = (
    "# Benchmarks\n\n"
    "Measured figures for paperkg. Each `##` section is written by its own script between "
    "`<!-- NAME:start -->` and `<!-- NAME:end -->` markers; re-running a script replaces "
    "only its own section, so add new benchmarks as new sections.\n\n"
)


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
