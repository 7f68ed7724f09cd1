"""Helpers shared by the benchmarks: best-of-N timing and peak memory in a fresh process."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time


def best_time(fn, repeat: int = 5) -> float:
    """Best wall time of `repeat` calls, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_extra_memory_mb(setup: str, statement: str) -> float:
    """Peak resident memory added by `statement` after `setup`, in MiB, in a fresh interpreter."""
    code = textwrap.dedent(f"""
        import json, resource
        {setup}
        def rss_kb():
            with open('/proc/self/status') as f:
                for line in f:
                    if line.startswith('VmHWM'):
                        return int(line.split()[1])
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset the high-water mark
        base = rss_kb()
        {statement}
        print(json.dumps((rss_kb() - base) / 1024))
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
