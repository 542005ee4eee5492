"""Reading labelled CSV files of `text,category` rows (BANKING77's format)."""

import csv
from pathlib import Path


class DatasetError(ValueError):
    """The file is not a CSV with `text` and `category` columns."""


def read_labelled_csv(path: Path) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV with a header row naming `text` and `category` columns."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"text", "category"} <= {name.strip() for name in reader.fieldnames}:
            raise DatasetError(f"{path}: expected a header with `text` and `category` columns.")
        texts: list[str] = []
        labels: list[str] = []
        for row in reader:
            row = {(key or "").strip(): value for key, value in row.items()}
            text, label = (row.get("text") or "").strip(), (row.get("category") or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels
