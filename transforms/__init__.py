"""Pure functions from an archived article page to a staged article row (bronze → silver).

``article.build_article`` is the entry point (the stage calls its halves,
``draft_article`` and ``finish_articles``); ``extract`` reads the page (profile
selectors, the generic extractor of ``generic`` only on layout drift), both
returning ``blocks.ExtractedPage`` and cutting text with ``blocks.BlockCollector``;
``text`` cleans and filters boilerplate, ``core.dates`` reads publication lines
and dates, ``urls`` canonicalises, ``hashing`` fingerprints, ``publications``
resolves slugs and names against ``data/publications.yaml``, ``language``
detects the language, ``shingles`` hashes a story's words and
``near_duplicates`` signs stories and links their copies (the matcher the
warehouse is given at load time). No I/O but reading the shipped
data file, no clock, no network. Raw partitions for tests and benchmarks are
written by ``devsite.partitions``.
"""
