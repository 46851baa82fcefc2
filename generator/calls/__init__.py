"""Calls stage: the call model, scoring, suggestions from signals, and the ledger of published calls."""
