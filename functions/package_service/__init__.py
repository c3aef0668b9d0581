"""Metronome-compatible packages and contract-provisioning service."""
