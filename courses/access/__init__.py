"""Who may do what, where: tenancy, roles, memberships, API keys, the permission backend, the secret digest."""
