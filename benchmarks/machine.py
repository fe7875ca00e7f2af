"""What the benchmarks print about the machine they ran on, so that figures in docs/performance.md can be
compared with the machine that made them."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """CPU model, logical CPUs, OS and Python, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}; {os.cpu_count()} logical CPUs; {system}; Python {platform.python_version()}"
