"""Batches of candidates from outside (CSV import, API bulk upsert): one way to read and write them.

- :mod:`.resolve`: names to ids, the candidate rules, duplicates in the batch, values
  other candidates hold, in a fixed number of queries;
- :mod:`.write`: a resolved batch created and updated in a handful of statements;
- :mod:`.sql`: the dialect details those statements need.
"""
