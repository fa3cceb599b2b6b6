"""The process settings of ``python -m procurement`` (procurement/runtime.py) take effect, and a
user's own setting wins. Each case runs in a fresh interpreter: the settings are per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import json; from procurement.runtime import tune_process; done = tune_process(); "
    "import numpy._core.multiarray as mu; print(json.dumps([done, mu._get_madvise_hugepage()]))"
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux-only settings")


def _probe(**env: str) -> tuple[dict[str, bool], bool]:
    clean = {k: v for k, v in os.environ.items()
             if k != "NUMPY_MADVISE_HUGEPAGE" and not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean | env, capture_output=True,
                         text=True, check=True).stdout
    done, hugepage = json.loads(out)
    return done, hugepage


def test_numpy_huge_pages_off_and_malloc_keeps_memory():
    done, hugepage = _probe()
    assert done == {"numpy_hugepage_off": True, "malloc_keeps_memory": True}
    assert hugepage is False


def test_the_users_own_settings_win():
    done, hugepage = _probe(NUMPY_MADVISE_HUGEPAGE="1", MALLOC_ARENA_MAX="2")
    assert done == {"numpy_hugepage_off": False, "malloc_keeps_memory": False}
    assert hugepage is True


# ``python -m procurement`` run in-process, then numpy asked: its huge-page switch is off only if the
# command made the settings before anything imported numpy (the command line itself imports pandas).
MAIN_PROBE = (
    "import contextlib, io, json, runpy, sys\n"
    "sys.argv = ['procurement', '--help']\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
    "    runpy.run_module('procurement', run_name='__main__', alter_sys=True)\n"
    "import numpy._core.multiarray as mu\n"
    "print(json.dumps(mu._get_madvise_hugepage()))\n"
)


def test_the_command_line_makes_the_settings_before_numpy_loads():
    clean = {k: v for k, v in os.environ.items()
             if k != "NUMPY_MADVISE_HUGEPAGE" and not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", MAIN_PROBE], cwd=ROOT, env=clean, capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) is False
    # and the probe can tell: the same interpreter with numpy loaded first keeps numpy's default (on)
    plain = subprocess.run([sys.executable, "-c", "import numpy._core.multiarray as mu, json; "
                            "print(json.dumps(mu._get_madvise_hugepage()))"], cwd=ROOT, env=clean,
                           capture_output=True, text=True, check=True).stdout
    assert json.loads(plain) is True
