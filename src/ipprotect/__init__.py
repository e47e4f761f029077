"""ipprotect: an open platform for intellectual-property protection."""

__version__ = "0.1.0"
