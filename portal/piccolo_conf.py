"""Piccolo's entry point (PICCOLO_CONF=portal.piccolo_conf); the engine comes from settings."""

from piccolo.conf.apps import AppRegistry

from portal.db import create_engine

DB = create_engine()

APP_REGISTRY = AppRegistry(apps=["portal.piccolo_app"])
