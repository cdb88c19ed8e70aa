"""Outbound connections: badge platforms, CRMs and webhook subscribers, each delivery a row (docs/integrations/)."""
