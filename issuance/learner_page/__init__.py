"""The learner's own page (/me): sign-in by an emailed link, every credential held at this address, and its actions."""
