"""Orchestration: read what a rule needs, call the domain, write one transaction."""
