"""``python -m vats.bots.cli`` is the ``vats`` command."""

from vats.bots.cli.main import main

main()
