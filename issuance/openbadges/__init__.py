"""Open Badges 3.0 (and 2.0) credentials: keys, signing, DID documents, status lists, baking."""
