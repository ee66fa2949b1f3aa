"""The gold zone: SQLAlchemy models, Alembic migrations, idempotent loads and the run ledger.

Submodules are imported on demand so that importing the package stays cheap:
``models`` (tables; views are created by migration 0002), ``migrate`` (Alembic,
``pressetl db``), ``schema`` (is the warehouse at the code's revision? stages check,
never migrate), ``engine``, ``loader`` (one partition, one transaction), with
``staging`` (batches into the database) and ``merge`` (the set-based SQL),
``stories`` (near-duplicate signatures and links, at load time), ``clusters``
(their connected components) and ``temporary`` (a load's key tables),
``locks`` (one run per partition: a lease in ``partition_locks``),
``dimensions`` (sites and publications) and ``runs`` (ledger and validation rows, on
the caller's connection), ``upsert`` (small chunked upserts), ``ledger`` (failed runs,
the ledger, volumes, last ids) and ``fingerprint`` (row counts and checksums).
Only ``core`` and libraries are imported here.
"""
