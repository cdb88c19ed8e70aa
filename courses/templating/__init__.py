"""Model-free template machinery the catalogue validates with and the pipeline renders with."""
