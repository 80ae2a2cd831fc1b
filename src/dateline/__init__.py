"""dateline: turn news articles into traceable event records (who did what to whom, when, where, says who)."""

__version__ = "0.1.0"
