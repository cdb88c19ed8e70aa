"""The pipeline's records: learners, completion events, issuances, credentials, deliveries."""
