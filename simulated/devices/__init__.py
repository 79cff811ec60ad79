"""Simulated instruments, one per real instrument model, answering that instrument's own protocol."""
