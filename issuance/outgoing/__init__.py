"""The outgoing-request guard every call Laurel makes to another system goes through: LMS polls and outbound deliveries alike."""
