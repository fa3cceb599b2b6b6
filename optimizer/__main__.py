"""``python -m optimizer``: the command line of cli.md."""

from optimizer.cli import main

raise SystemExit(main())
