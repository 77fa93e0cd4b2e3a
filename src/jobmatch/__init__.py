"""jobmatch: search job boards, scrape the postings politely, rank them against a resume."""

__version__ = "0.1.0"
