"""Tracking core for volume-based procurement (带量采购): import, store, measure, report."""
