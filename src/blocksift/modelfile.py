"""Model files: save and load a trained BlockClassifier with its card, never running code from the file.

A model file is an ``.npz`` holding the forest's arrays (see ``forest.py``) and the model card as UTF-8 JSON bytes,
read with ``allow_pickle=False``. The card records what is needed to trust and reproduce the model: package and
library versions, the feature names and schema version, the training data, seed, settings, threshold and validation
figures, and a SHA-256 digest of the tree arrays. Loading refuses a file whose digest does not match (tampered or
damaged) or whose feature schema differs from the code's (the model would read the wrong columns).

Beside the file, ``save_model`` writes the card again as ``<name>.card.json`` and a readable ``<name>.card.md``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import zipfile
from contextlib import suppress
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from blocksift import __version__
from blocksift.context import CONTEXT_NAMES
from blocksift.convention import INPUT_NAMES, Conventions
from blocksift.errors import ModelError
from blocksift.features import FEATURE_NAMES, SCHEMA_VERSION
from blocksift.forest import Forest
from blocksift.predictor import Model, Predictor

FORMAT = "blocksift-model"
FORMAT_VERSION = 1
DEFAULT_MODEL_NAME = "default.npz"
# The word that names the shipped model wherever a model is given: load_model, extract's model=, the command line.
SHIPPED = "shipped"


def default_model_path() -> Path:
    """The model shipped inside the package (``models/default.npz`` in the repository)."""
    return Path(str(resources.files("blocksift.models").joinpath(DEFAULT_MODEL_NAME)))


def arrays_digest(arrays: dict[str, npt.NDArray[Any]]) -> str:
    """SHA-256 over the forest arrays, by name, dtype, shape and bytes."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def forest_arrays(clf: Predictor) -> dict[str, npt.NDArray[Any]]:
    """Every forest of the classifier as named arrays: ``main__*``, ``stage1_<k>__*`` and the page classifier's
    ``convention_<k>__*``."""
    forests = {"main": clf.forest_, **{f"stage1_{k}": f for k, f in enumerate(clf.stage1_)}}
    if clf.conventions_ is not None:
        forests.update({f"convention_{k}": f for k, f in enumerate(clf.conventions_.forests)})
    return {f"{name}__{key}": a for name, forest in forests.items() for key, a in forest.to_arrays().items()}


def _forests(arrays: dict[str, npt.NDArray[Any]], path: Path) -> tuple[Forest, list[Forest], list[Forest]]:
    """The main forest, the first-stage forests and the page classifier's forests of a file's arrays."""
    grouped: dict[str, dict[str, npt.NDArray[Any]]] = {}
    for key, a in arrays.items():
        name, _, part = key.partition("__")
        grouped.setdefault(name, {})[part] = a
    if "main" not in grouped:
        raise ModelError(f"{path} holds no main forest")
    numbered = {prefix: _numbered(grouped, prefix) for prefix in ("stage1", "convention")}
    if 1 + sum(len(v) for v in numbered.values()) != len(grouped):
        raise ModelError(f"{path} holds forests this blocksift does not know: {sorted(grouped)}")
    return Forest.from_arrays(grouped["main"]), numbered["stage1"], numbered["convention"]


def _numbered(grouped: dict[str, dict[str, npt.NDArray[Any]]], prefix: str) -> list[Forest]:
    """The forests ``<prefix>_0``, ``<prefix>_1``, ... up to the first number missing."""
    out: list[Forest] = []
    while f"{prefix}_{len(out)}" in grouped:
        out.append(Forest.from_arrays(grouped[f"{prefix}_{len(out)}"]))
    return out


def build_card(clf: Any, training: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model card of a fitted classifier; ``training`` describes the data (datasets, pages, splits, timings)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "blocksift": __version__,
            "scikit-learn": metadata.version("scikit-learn"),
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "features": {
            "schema_version": SCHEMA_VERSION,
            "names": list(FEATURE_NAMES),
            "context_names": list(clf.feature_names_out_),
            "lexicon": lexicon_summary(),
        },
        "conventions": _conventions_card(clf),
        "params": clf.get_params(),
        "seed": clf.random_state,
        "threshold": float(clf.threshold_),
        "cut_floor": getattr(clf, "cut_floor_", None),
        "empty_below": float(getattr(clf, "empty_below_", 0.0)),
        "validation": dict(clf.validation_),
        "trees": len(clf.forest_.roots),
        "stage1_trees": [len(f.roots) for f in clf.stage1_],
        "training": dict(training or {}),
    }


def _conventions_card(clf: Any) -> dict[str, Any] | None:
    """The page classifier's part of the card: its classes (the training sources), what it reads, how often its
    out-of-fold guess named a page's source; None for a model without one."""
    if clf.conventions_ is None:
        return None
    right = getattr(clf, "convention_accuracy_", None) or _card_conventions(clf).get("out_of_fold_right")
    return {
        "classes": list(clf.conventions_.classes),
        "inputs": list(INPUT_NAMES),
        "trees": sum(len(f.roots) for f in clf.conventions_.forests),
        "out_of_fold_right": right,
    }


def _card_conventions(clf: Any) -> dict[str, Any]:
    """The conventions part of the card a loaded (or adapted) model came with; empty where it has none."""
    return dict(((getattr(clf, "card_", None) or {}).get("conventions")) or {})


def save_model(clf: Any, path: str | os.PathLike[str], training: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``clf`` to ``path`` (.npz) with its card inside and beside it; returns the card. A ``path`` that is a
    directory is refused with ``IsADirectoryError`` naming it: the save wrote ``<directory>.tmp`` beside it, then
    failed to rename that over the directory with an error that named the temporary file."""
    path = Path(path)
    if not hasattr(clf, "forest_"):
        raise ModelError("the classifier is not fitted; call fit() (or blocksift train) before saving it")
    if path.is_dir():
        message = f"{path} is a directory; a model is saved to a file: name it, such as {path / 'model.npz'}"
        raise IsADirectoryError(errno.EISDIR, message, str(path))
    card = build_card(clf, training)
    arrays = forest_arrays(clf)
    card["digest"] = arrays_digest(arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as fh:
            arrays["card"] = np.frombuffer(json.dumps(card).encode("utf-8"), dtype=np.uint8)
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)
    except BaseException:  # a full disk, Ctrl-C: no half-written model is left beside the target
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    stem = path.with_suffix("")
    stem.with_name(stem.name + ".card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    stem.with_name(stem.name + ".card.md").write_text(card_markdown(card), encoding="utf-8")
    return card


def _read(path: Path) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    if not path.is_file():
        raise ModelError(
            f"no model file at {path}; give the .npz that `blocksift train --out` wrote, or no model (--model on "
            "the command line, model= in Python) for the shipped model"
        )
    with path.open("rb") as fh:
        start = fh.read(4)
    if start != b"PK\x03\x04":  # not a .npz (a zip archive): np.load would call it pickled data
        card = path.name.endswith((".card.json", ".card.md"))
        hint = "; that is a model's card: give the .npz beside it" if card else ""
        raise ModelError(f"{path} is not a blocksift model file (a .npz that `blocksift train` writes){hint}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"{path} is not a readable blocksift model file ({exc}); copy it again or retrain it") from exc
    if not all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" for a in arrays.values()):
        raise ModelError(f"{path} is not a blocksift model file: it holds entries that are not numeric arrays")
    try:
        card = json.loads(arrays.pop("card").tobytes().decode("utf-8"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} has no readable model card ({exc})") from exc
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelError(f"{path} is not a blocksift model file")
    return card, arrays


def check_card(card: dict[str, Any], arrays: dict[str, npt.NDArray[Any]], path: Path) -> None:
    """Refuse a file from a newer format, with altered arrays, or with a feature schema the code does not have."""
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path} has model format {card.get('format_version')}; this blocksift reads {FORMAT_VERSION}: use the "
            "blocksift version that wrote it, or retrain it with `blocksift train`"
        )
    if card.get("digest") != arrays_digest(arrays):
        raise ModelError(
            f"{path} has been altered or damaged: its tree arrays do not match the digest in its card; "
            "copy it again from where it came from, or retrain it"
        )
    features = _mapping(card, "features", path)
    names = tuple(features.get("names") or ())
    context = tuple(features.get("context_names") or ())
    if (
        features.get("schema_version") == SCHEMA_VERSION
        and names == FEATURE_NAMES
        and context not in ((), CONTEXT_NAMES)
    ):
        raise ModelError(
            f"{path} was trained with {len(context)} context columns; this blocksift computes {len(CONTEXT_NAMES)} "
            f"({', '.join(sorted(set(CONTEXT_NAMES) ^ set(context)))} differ). Retrain it with `blocksift train` or "
            "use the blocksift version that made it."
        )
    if features.get("schema_version") != SCHEMA_VERSION or names != FEATURE_NAMES:
        raise ModelError(
            f"{path} was trained with feature schema {features.get('schema_version')} ({len(names)} features); "
            f"this blocksift computes schema {SCHEMA_VERSION} ({len(FEATURE_NAMES)} features). "
            "Retrain it with `blocksift train` or use the blocksift version that made it."
        )


def load_model(path: str | os.PathLike[str] | None = None) -> Model:
    """Load a model file (default: the shipped model, which the str ``"shipped"`` names too, as for ``model=`` and
    the command line's ``--model``; ``Path("shipped")`` is a file of that name); raises ModelError for anything it
    cannot trust."""
    path = default_model_path() if path is None or (isinstance(path, str) and path == SHIPPED) else Path(path)
    card, arrays = _read(path)
    check_card(card, arrays, path)
    forest, stage1, convention_forests = _forests(arrays, path)
    conventions = _conventions(card, convention_forests, path)
    blocks = len(FEATURE_NAMES) + (len(conventions.classes) if conventions else 0)
    width = blocks + (len(CONTEXT_NAMES) if stage1 else 0)
    if forest.n_features != width or any(f.n_features != blocks for f in stage1):
        raise ModelError(f"{path}: the trees expect other feature columns than the code makes")
    return Model(
        conventions=conventions,
        forest=forest,
        stage1=stage1,
        threshold=_fraction(card.get("threshold"), "threshold", path),
        cut_floor=_cut_floor(card, path),
        empty_below=_empty_below(card, path),
        validation=_mapping(card, "validation", path),
        params=_mapping(card, "params", path),
        card=card,
    )


def _conventions(card: dict[str, Any], forests: list[Forest], path: Path) -> Conventions | None:
    """The page classifier the card describes, with its forests; None for a model without one. Refuses one that
    reads other inputs than this blocksift computes (markup signals or page columns changed since)."""
    described = card.get("conventions")
    if not forests and not described:
        return None
    if not isinstance(described, dict):
        raise ModelError(f"{path} holds page-classifier forests but its card does not describe them")
    classes = tuple(str(c) for c in described.get("classes") or ())
    if tuple(described.get("inputs") or ()) != INPUT_NAMES:
        raise ModelError(
            f"{path} has a page classifier that reads other page signals than this blocksift computes; retrain it "
            "with `blocksift train` or use the blocksift version that made it"
        )
    if len(classes) < 2 or len(forests) != (1 if len(classes) == 2 else len(classes)):
        raise ModelError(f"{path}: its page classifier has {len(forests)} forests for classes {list(classes)}")
    if any(f.n_features != len(INPUT_NAMES) for f in forests):
        raise ModelError(f"{path}: the page classifier's trees expect other inputs than the code makes")
    return Conventions(classes, tuple(forests))


def _cut_floor(card: dict[str, Any], path: Path) -> float | None:
    """The card's floor of the per-page cut; None (one fixed threshold) for models saved before it existed."""
    floor = card.get("cut_floor")
    return None if floor is None else _fraction(floor, "cut_floor", path)


def _empty_below(card: dict[str, Any], path: Path) -> float:
    """The card's expected F1 below which a page keeps nothing; 0 (no such pages) for models saved before it."""
    return _fraction(card.get("empty_below", 0.0), "empty_below", path)


def _mapping(card: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    """A copy of the card's object at ``key`` (empty where the card has none), or ModelError naming the key.

    The digest covers the trees, not the card, so a card edited by hand, or written by a later blocksift that
    changed its layout without its format version, reaches here: it raised AttributeError or ValueError from
    inside ``load_model``, whose promise is a ModelError for any file it cannot trust."""
    value = card.get(key) or {}
    if not isinstance(value, dict):
        raise ModelError(f"{path}: its card's {key} is {type(value).__name__}, not an object; retrain or copy it again")
    return dict(value)


def _fraction(value: Any, key: str, path: Path) -> float:
    """A card's number between 0 and 1, or ModelError naming the key."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ModelError(f"{path}: its card's {key} {value!r} is not a number between 0 and 1")
    return float(value)


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The shipped model, loaded once per process."""
    return load_model()


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


_NOT_SETTINGS = ("verbose", "adapt")


def _cut_words(card: dict[str, Any]) -> str:
    """How the model cuts, for the card."""
    if card.get("cut_floor") is None:
        words = f"decision threshold {card['threshold']:.2f}"
    else:
        words = (
            f"decision cut per page, half the page's best expected F1, at least {card['cut_floor']:.3f} "
            f"(one fixed threshold would be {card['threshold']:.2f})"
        )
    if card.get("empty_below"):
        words += f"; a page whose best expected F1 is below {card['empty_below']:.2f} keeps nothing"
    elif "empty_below" in card:
        words += "; no page is emptied for a low expected F1 (the held-out pages chose no such rule)"
    return words


def lexicon_summary() -> dict[str, Any]:
    """What the card says of the class/id lexicon the features score with (``lexicon.py``)."""
    from blocksift.lexicon import shipped_lexicon

    lexicon = shipped_lexicon()
    return {"words": len(lexicon.weights), "pages": len(lexicon.pages)}


def _lexicon_lines(lexicon: dict[str, Any] | None) -> list[str]:
    if not lexicon:
        return []
    return [
        f"- Class/id lexicon (`lexicon.py`): {lexicon['words']:,} words learned from {lexicon['pages']:,} pages of the "
        "shared datasets' train splits; where the model trained on those pages, their lexicon scores were out of fold "
        "by site"
    ]


def card_markdown(card: dict[str, Any]) -> str:
    """The card as a short readable summary."""
    training = card.get("training") or {}
    lines = [
        "# blocksift model card",
        "",
        f"Created {card['created']} by blocksift {card['versions']['blocksift']} "
        f"(scikit-learn {card['versions']['scikit-learn']}, numpy {card['versions']['numpy']}, "
        f"Python {card['versions']['python']}).",
        "",
        "Gradient-boosted trees (scikit-learn HistGradientBoostingClassifier, stored as plain arrays) that label each",
        "block of a page content or boilerplate.",
        "",
        f"- Feature schema {card['features']['schema_version']}, {len(card['features']['names'])} features",
        *_lexicon_lines(card["features"].get("lexicon")),
        f"- Trees: {card['trees']} in the final forest, first stage {card.get('stage1_trees') or 'none'}; "
        f"seed {card['seed']}; {_cut_words(card)}",
        f"- Settings: {', '.join(f'{k}={v}' for k, v in sorted(card['params'].items()) if k not in _NOT_SETTINGS)}",
    ]
    conventions = card.get("conventions")
    if conventions:
        right = conventions.get("out_of_fold_right")
        lines.append(
            f"- Page classifier of the sources' conventions ({conventions.get('trees')} trees; "
            f"{len(conventions.get('inputs') or ())} page inputs; classes {', '.join(conventions.get('classes') or ())}"
            + (f"; {right:.1%} of the training pages' sources guessed right out of fold)" if right else ")")
        )
    adapt = card["params"].get("adapt")
    if adapt:
        lines.append(
            f"- Adapted (`train --from`) from model {str(adapt.get('base_digest'))[:12]} ({adapt.get('base_trees')} "
            f"final trees): {adapt.get('rounds')} trees added, fitted to {adapt.get('pages')} pages "
            f"({adapt.get('blocks')} blocks), learning rate {adapt.get('learning_rate')}"
        )
    if training.get("command"):
        lines.append(f"- Reproduce with: `{training['command']}`")
    if training.get("datasets"):
        lines += ["", "## Training data", "", "| dataset | pages | blocks |", "|---|---:|---:|"]
        for name, d in sorted(training["datasets"].items()):
            lines.append(f"| {name} | {d.get('pages', '')} | {d.get('blocks', '')} |")
        lines.append("")
        lines.append(
            f"Splits: {', '.join(training.get('splits') or [])}; pages that could not be read: "
            f"{training.get('failed_pages', 0)}."
        )
    if card.get("validation"):
        lines += ["", "## Validation (held-out training pages, grouped by page)", ""]
        lines += [f"- {k}: {_fmt(v)}" for k, v in card["validation"].items()]
    return "\n".join(lines) + "\n"
