"""Settings the command line shows in its help, kept apart from the modules that use them so that ``blocksift
--help`` answers without importing numpy, lxml or the model (a quarter of a second instead of a second)."""

# Larger inputs are refused unread: no real page is this big, and parsing one would take minutes and gigabytes.
MAX_PAGE_BYTES = 64 * 1024 * 1024
# Seconds one page may take, reading to rendering. Real pages take milliseconds; the limit stops pathological input.
PAGE_TIMEOUT = 60.0

# Output formats of ``predict`` and the file extension of each.
FORMATS = ("text", "markdown", "json", "jsonl", "html", "blocks")
EXTENSIONS = {
    "text": ".txt",
    "markdown": ".md",
    "json": ".json",
    "jsonl": ".jsonl",
    "html": ".content.html",
    "blocks": ".blocks.jsonl",
}

# Datasets differ in size by 20 times (wcxb 1,067 training pages, cleanportaleval 50); the benchmark figure is the
# mean over datasets. Weighting pages by (mean pages / dataset pages) ** 0.75 is the compromise chosen on the held-out
# training pages (README, "The shipped model"): small datasets count more, without letting 50 pages dominate.
DEFAULT_BALANCE = 0.75
