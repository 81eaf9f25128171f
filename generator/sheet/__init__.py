"""The heavy part: the sheet view, figures, HTML and PDF (WeasyPrint, matplotlib)."""
