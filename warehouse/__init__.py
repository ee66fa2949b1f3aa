"""The gold zone: SQLAlchemy models, Alembic migrations, idempotent loads and the run ledger.

Submodules are imported on demand so that importing the package stays cheap:
``models`` (tables; views are created by migration 0002), ``migrate`` (Alembic,
``pressetl db``), ``engine``, ``loader`` (one partition, one transaction), with
``staging`` (batches into the database) and ``merge`` (the set-based SQL),
``upsert`` (small chunked upserts), ``ledger`` (runs, volumes, last ids) and
``fingerprint`` (row counts and checksums).
"""
