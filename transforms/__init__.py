"""Pure functions from an archived article page to a staged article row (bronze → silver).

``article.build_article`` is the entry point; ``extract`` reads the page (profile
selectors, trafilatura only on layout drift), ``text`` cleans and filters
boilerplate, ``dates`` reads publication lines, ``urls`` canonicalises,
``hashing`` fingerprints. No I/O, no clock, no network.
"""
