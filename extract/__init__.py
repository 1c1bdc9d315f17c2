"""extract: Chinese economic news articles in, typed and citable tables out.

Library API (the CLI in cli.py is a thin layer over these):

    from extract import process_text, process_file, run_all
    result = process_text(open("article.txt").read(), "my-article")
    result.records["amounts"]   # list of extract.models.Amount
    run_all("data/raw", "data/out")  # every table, written atomically
"""
__version__ = "0.1.0"

from .pipeline import ArticleResult, RunSummary, process_file, process_snippet, process_text, run_all  # noqa: E402

__all__ = ["ArticleResult", "RunSummary", "process_file", "process_snippet", "process_text", "run_all", "__version__"]
