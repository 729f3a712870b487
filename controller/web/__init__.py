"""The HTTP + websocket API (aiohttp): see :func:`controller.web.app.create_app`."""
