"""One module per area, each with its own RouteTableDef, added explicitly in app.py."""
