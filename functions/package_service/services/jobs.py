"""Provisioning jobs as the API sees them: one store call each (the fan-out and the work itself are
fanout.py and cohorts.py); routes call them here so that they depend on services only."""

from ..store.jobs import cancel_job, create_job, get_job, list_results

__all__ = ["cancel_job", "create_job", "get_job", "list_results"]
