"""The gold zone: SQLAlchemy models, Alembic migrations, idempotent loads and the run ledger.

Submodules are imported on demand (``warehouse.loader``, ``warehouse.ledger``,
``warehouse.migrate``) so that importing the package stays cheap.
"""
