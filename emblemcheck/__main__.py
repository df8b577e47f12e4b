"""``python -m emblemcheck``: the same as the ``emblemcheck`` command."""

from .cli import main

main()
