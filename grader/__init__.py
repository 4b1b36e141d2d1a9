"""Secure Your AWS Account: the `grade` program, the simulated account and the checks."""

__version__ = "0.1.0"
