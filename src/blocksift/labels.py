"""Hand-made block labels (``labels/<id>.json`` in a dataset), used for training instead of gold alignment.

The file is a JSON object ``{"schema": 1, "blocks": [{"index": i, "text": "...", "label": "content"}, ...]}``
written by the labelling tool. Blocks are matched by index and checked by text, so a label file made with another
segmentation is refused instead of silently mislabelling the page.
"""

from __future__ import annotations

import json
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from blocksift.blocks import Segmentation
from blocksift.errors import DatasetError

LABELS_SCHEMA = 1


class Label(StrEnum):
    """A block's class."""

    CONTENT = "content"
    BOILERPLATE = "boilerplate"


def read_block_labels(text: str, seg: Segmentation) -> npt.NDArray[np.bool_]:
    """Content flags of a page's blocks from a labels file's text."""
    try:
        data = json.loads(text)
        entries = data["blocks"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DatasetError(f"not a block-labels file ({exc}); expected {{'schema': 1, 'blocks': [...]}}") from exc
    if data.get("schema", LABELS_SCHEMA) != LABELS_SCHEMA:
        raise DatasetError(f"labels schema {data.get('schema')!r}; this version of blocksift reads {LABELS_SCHEMA}")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DatasetError("not a block-labels file: 'blocks' must be a list of {index, text, label} objects")
    if len(entries) != len(seg.blocks):
        raise DatasetError(
            f"the labels file has {len(entries)} blocks but the page segments into {len(seg.blocks)}; "
            "relabel the page with this version of blocksift"
        )
    out = np.zeros(len(seg.blocks), dtype=bool)
    for entry, block in zip(entries, seg.blocks, strict=True):
        if entry.get("text") not in (None, block.text):
            raise DatasetError(f"block {block.index} of the labels file does not match the page's text")
        out[block.index] = _label(entry, block.index) is Label.CONTENT
    return out


def _label(entry: dict[str, object], index: int) -> Label:
    value = entry.get("label")
    for label in Label:
        if value == label.value:
            return label
    wanted = " or ".join(repr(v.value) for v in Label)
    raise DatasetError(f"block {index} of the labels file has the label {value!r}, not {wanted}")


def write_block_labels(seg: Segmentation, content: npt.NDArray[np.bool_]) -> str:
    """A labels file's text for a page's blocks and their content flags."""
    blocks = [
        {
            "index": b.index,
            "text": b.text,
            "label": (Label.CONTENT if content[b.index] else Label.BOILERPLATE).value,
        }
        for b in seg.blocks
    ]
    return json.dumps({"schema": LABELS_SCHEMA, "blocks": blocks}, ensure_ascii=False, indent=1)
