"""Attacks on Motivo's promises: each test tries to break one and must be refused."""
