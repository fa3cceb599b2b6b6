"""``python -m procurement``: the command line of cli.md."""

from procurement.cli import main

raise SystemExit(main())
