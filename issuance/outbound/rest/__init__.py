"""The rest kind: any HTTP API, configured by a document (docs/integrations/rest.md)."""
