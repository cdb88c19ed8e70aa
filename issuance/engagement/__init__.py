"""What happens to a credential after it is sent: counted on public requests, read as rates by staff."""
