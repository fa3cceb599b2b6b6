"""Server settings (issue 15, item 7): read from .streamlit/config.toml, as Streamlit reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from procurement.ingest import guard

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_xsrf_and_cors_protection_are_on():
    server = _config()["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True


def test_error_details_are_hidden_from_users():
    """Tracebacks name files, paths and queries; users see the app's own messages only."""
    assert _config()["client"]["showErrorDetails"] in ("none", False)


def test_upload_limit_is_the_worker_limit():
    """A file the browser may send is a file the import worker reads (200 MB, in MiB as both count)."""
    assert _config()["server"]["maxUploadSize"] == guard.MAX_UPLOAD_MB == 200
    assert guard.MAX_FILE_BYTES == 200 * 1024 * 1024
