"""The assembled application: the one place that imports both the portal and the admin app.

- :mod:`onramp.app` builds the Litestar app (portal at ``/``, admin at ``/admin``, API).
- :mod:`onramp.asgi` is what uvicorn workers load.
- :mod:`onramp.cli` is the ``onramp`` command.
"""
