"""Reports computed from the call history at query time (facts, never stored ratios).

One module per report (its docstring is the definition), SQL apart from the pure math
(service_level.py), one runner used by the CLI, the API and the pages (runner.py), and the
list of reports in registry.py. docs/reports.md defines every figure.
"""
