"""Zhidu (制度): the sales regulations, run as software."""

__version__ = "0.1.0"
