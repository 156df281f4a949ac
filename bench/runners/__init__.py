"""Stand-alone scripts each run in its own interpreter (ours, dlt's or airbyte-cdk's venv).

They import nothing from this repository, print one JSON line `{"records": n, ...}` last on
stdout, and are timed from outside by bench.measure (wall time and peak RSS of the process).
"""
