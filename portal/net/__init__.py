"""Talking to other hosts on behalf of HR: checks that keep those requests on the internet."""
