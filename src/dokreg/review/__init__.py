"""The operator's review of what the sources changed, and redaction of private persons' names."""
