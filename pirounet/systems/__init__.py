"""The systems: one folder each, named by the word the user types (main.py <system>)."""
