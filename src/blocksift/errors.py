"""Domain exceptions: library code raises these, only the CLI turns them into exit codes."""


class BlocksiftError(Exception):
    """Base of every error blocksift raises on purpose."""


class InputError(BlocksiftError):
    """A page could not be read: empty, binary (a PDF, an image...), JSON, too large, or otherwise not HTML."""


class DatasetError(BlocksiftError):
    """A dataset folder is not in the documented layout."""


class ModelError(BlocksiftError):
    """A model file is missing, corrupt, unsafe, or was trained for another feature schema."""


class PageTimeoutError(BlocksiftError):
    """A page took longer than the per-page time limit."""
