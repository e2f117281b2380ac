"""Lianfang (廉防): integrity-risk prevention and control for public bodies."""

__version__ = "0.1.0"
