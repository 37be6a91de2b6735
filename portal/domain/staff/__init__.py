"""Staff accounts, their sign-in and API tokens."""
