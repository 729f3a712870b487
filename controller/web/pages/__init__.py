"""Server-rendered HTML pages (Jinja2 templates in controller/web/templates)."""
