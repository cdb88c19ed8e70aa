"""xAPI: statements an LRS forwards, and polling an LRS for them."""
