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


def test_the_command_line_makes_the_settings():
    src = (ROOT / "procurement" / "__main__.py").read_text(encoding="utf-8")
    assert src.index("tune_process()") < src.index("from procurement.cli import main")
