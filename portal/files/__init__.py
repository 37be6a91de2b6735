"""Uploaded files: where they are stored and what their bytes say they are."""
