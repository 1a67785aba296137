"""qspace: a self-hosted, federated personal-space server."""
