"""ailee: verify a federated Bitcoin Layer-2 offline."""
