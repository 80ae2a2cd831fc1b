"""`python -m dateline`: the command line."""

from .cli import app

app(prog_name="dateline")
