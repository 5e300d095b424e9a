"""One module per subcommand of `python -m grader` (see grader/cli.py)."""
