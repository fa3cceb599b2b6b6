"""``python -m procurement``: the command line of cli.md."""

from procurement.runtime import tune_process

tune_process()  # before numpy is imported: see procurement/runtime.py

from procurement.cli import main  # noqa: E402

raise SystemExit(main())
