"""Reports computed from the call history at query time (docs/reports.md)."""
