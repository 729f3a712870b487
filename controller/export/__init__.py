"""Report outputs, each written from a :class:`controller.reports.result.Report` (never from
a report's SQL): a terminal table, JSON, CSV (UTF-8 with a BOM, for Excel on Windows), an
Excel workbook with a native chart (XlsxWriter), and PDF, printed by headless Chromium from
the report's HTML page (the page the web UI shows).
"""
