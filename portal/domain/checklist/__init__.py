"""The document checklist: HR's templates, candidates' submissions and files, HR's review."""
