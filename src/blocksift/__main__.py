"""``python -m blocksift``: the same as the ``blocksift`` command."""

from blocksift.cli import main

main()
