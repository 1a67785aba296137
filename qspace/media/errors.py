"""The one exception the media pipeline raises for files it will not store."""


class MediaRejected(Exception):
    """An upload was refused; ``reason`` is a sentence that can be shown to the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
