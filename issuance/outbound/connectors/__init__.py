"""What every outbound connector is made of: its interface and registry, setting checks, the guarded HTTP call."""
