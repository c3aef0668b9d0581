"""Orchestration: reads through store/, rules from domain/, writes through store/ (the routes and the
worker call these; store/ only reads and writes items)."""
