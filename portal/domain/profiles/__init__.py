"""Personal information: checks, encryption at rest, masked display, audited reveals."""
