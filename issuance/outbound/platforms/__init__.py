"""Badge platforms Laurel issues on besides its own Open Badges: one module per platform."""
