"""Rotation Desk: a weekly market-rotation newsletter, from prices to a static site."""

__version__ = "0.1.0"
