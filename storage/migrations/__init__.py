"""Alembic migrations for Mingle's schema, driven by `storage.migrate`."""
