"""What anyone on the web can see of a credential: its page, its certificate, its signed badge."""
