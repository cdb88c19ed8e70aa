"""CRMs Laurel writes credentials to: one module per system."""
