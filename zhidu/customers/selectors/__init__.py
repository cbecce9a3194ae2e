"""See ../MODEL.md for who owns which module of this package."""
