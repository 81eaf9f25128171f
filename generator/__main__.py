"""`python -m generator` is the same as the `eg4sheet` command."""

from generator.cli import main

main()
