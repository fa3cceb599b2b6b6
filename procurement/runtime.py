"""Process settings for bulk work on millions of rows, made once at the start of our own processes.

Called first thing by ``python -m procurement`` and by the benchmarks (which time what the command
does), before numpy is imported. Nothing here changes a result, only how memory is obtained:

- ``NUMPY_MADVISE_HUGEPAGE=0``, numpy's documented switch, read when numpy is imported. numpy asks
  Linux for transparent huge pages for every array of 4 MB or more; where the kernel then compacts
  memory on a page fault (``defrag`` set to ``madvise``, as on our CI machines), each fresh array
  stalls. A report over 10M purchase lines spent about 1 s of its 7 s there.
- glibc malloc keeps freed memory for the next array instead of returning it to the system and
  faulting it in again (``M_MMAP_THRESHOLD``, ``M_TRIM_THRESHOLD``, ``M_TOP_PAD``). A one-shot command
  gives it all back when it exits.

A user's own environment setting wins; elsewhere (Windows, macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameters (malloc.h)


def tune_process() -> dict[str, bool]:
    """Apply the settings above to this process; returns which took effect (for the benchmarks' log)."""
    done = {"numpy_hugepage_off": False, "malloc_keeps_memory": False}
    if not sys.platform.startswith("linux"):
        return done
    if "numpy" not in sys.modules:  # numpy reads the switch once, when imported
        done["numpy_hugepage_off"] = os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0") == "0"
    if not any(k.startswith("MALLOC_") for k in os.environ) and "GLIBC_TUNABLES" not in os.environ:
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:  # not glibc
            return done
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30) == 1
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, 1 << 31) == 1
        ok &= libc.mallopt(_M_TOP_PAD, 64 << 20) == 1
        done["malloc_keeps_memory"] = bool(ok)
    return done
