"""Discovery strategies: how one publication's articles of the day are found.

One module per strategy, sharing ``spiders.discovery.base.DiscoveryStrategy``; the spider
(``spiders.aggregator``) picks them by the profile's ``discovery.strategies``.
"""
