"""Writing results: atomic files, batches of sheets, the bill of materials as CSV."""
