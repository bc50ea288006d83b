"""The privacy desk: what an operator does about personal data, and the audit trail of every such act."""
