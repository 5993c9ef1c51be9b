"""The package version (imported by modules that must not import the package root)."""

__version__ = "0.1.0"
