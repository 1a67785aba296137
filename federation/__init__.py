"""ActivityPub as a library: signatures, discovery, fetching and delivery."""
