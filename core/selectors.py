"""Apply a profile selector: CSS (parsel syntax) by default, XPath after ``xpath:``."""

from __future__ import annotations

from parsel import Selector, SelectorList

XPATH_PREFIX = "xpath:"


def select(node: Selector, selector: str) -> SelectorList:
    if selector.startswith(XPATH_PREFIX):
        return node.xpath(selector[len(XPATH_PREFIX) :])
    return node.css(selector)


def select_first(node: Selector, selector: str) -> str | None:
    value = select(node, selector).get()
    return value.strip() if value is not None else None
