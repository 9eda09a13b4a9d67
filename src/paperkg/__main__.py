"""`python -m paperkg`: the command line (how git runs the merge driver)."""

from paperkg.cli import main

main()
