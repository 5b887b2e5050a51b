"""blocksift: tell a web page's own content from its boilerplate.

    >>> import blocksift
    >>> text = blocksift.extract(html_bytes_or_str)            # the content as plain text
    >>> result = blocksift.extract_blocks(html)                # every block with p(content) and its label
    >>> model = blocksift.load_model("my-model.npz")          # a model trained with `blocksift train`
    >>> blocksift.extract(html, model=model, threshold=0.3)   # lower threshold: more recall

The classifier (``BlockClassifier``) is a scikit-learn estimator; ``blocksift.training.train`` and
``blocksift.modelfile.save_model`` train and save one from labelled pages in code.
"""

__version__ = "0.1.0"

from importlib import import_module
from typing import TYPE_CHECKING, Any

from blocksift.errors import BlocksiftError, DatasetError, InputError, ModelError

if TYPE_CHECKING:
    from blocksift.extraction import Extraction, extract, extract_blocks
    from blocksift.model import BlockClassifier
    from blocksift.modelfile import load_model, save_model

# The API loads on first use: importing numpy, lxml and the extractor takes a few tenths of a second that
# `blocksift --help` should not pay, and the estimator imports scikit-learn (seconds), which only training needs.
_LAZY = {
    "Extraction": "blocksift.extraction",
    "extract": "blocksift.extraction",
    "extract_blocks": "blocksift.extraction",
    "load_model": "blocksift.modelfile",
    "save_model": "blocksift.modelfile",
    "BlockClassifier": "blocksift.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'blocksift' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BlockClassifier",
    "BlocksiftError",
    "DatasetError",
    "Extraction",
    "InputError",
    "ModelError",
    "__version__",
    "extract",
    "extract_blocks",
    "load_model",
    "save_model",
]
