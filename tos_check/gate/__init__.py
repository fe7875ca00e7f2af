"""The record gate (design.md 4.4): built once from a declared use and the policies, it decides for every
record pass or quarantine, with the reason, using the same resolver, policies and evaluator as a scan.

`verdicts.py` judges each distinct model string once; `decide.py` applies the verdicts to Arrow data
column-wise; `records.py` does the same for plain dicts and for lines Arrow could not read; `stream.py`
reads and writes files (JSONL, Parquet, compressed) with every record in exactly one sink.
"""

from tos_check.gate.decide import Gate

__all__ = ["Gate"]
