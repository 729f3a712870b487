"""pbx-controller: an on-premise call-center controller that sits beside Asterisk 22.

The package is split by job (see ARCHITECTURE in the README):

- ``controller.config``: typed, frozen settings
- ``controller.db``: SQLAlchemy models, engine, migrations
- ``controller.pbxconfig``: the YAML configuration format (validate, import, export)
- ``controller.sandbox``: a throw-away Asterisk 22 in a chroot, for tests and the demo
- ``controller.cli``: the ``pbxctl`` command
"""

__version__ = "0.1.0"
