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

from typing import TYPE_CHECKING, Any

from blocksift.errors import BlocksiftError, DatasetError, InputError, ModelError
from blocksift.extract import Extraction, extract, extract_blocks
from blocksift.modelfile import load_model, save_model

if TYPE_CHECKING:
    from blocksift.model import BlockClassifier


def __getattr__(name: str) -> Any:
    # The estimator imports scikit-learn (seconds); only training needs it, so it loads on first use.
    if name == "BlockClassifier":
        from blocksift.model import BlockClassifier

        return BlockClassifier
    raise AttributeError(f"module 'blocksift' has no attribute {name!r}")


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
