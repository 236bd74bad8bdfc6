"""The manifest: what the last successful `generate` wrote, so the next run redoes only what changed.

`<out>/.netmera-codegen.json` records the settings a tree was built with (generator version, package name,
formatter and its version, a hash of every template in use, the schemas folder's name) and, for every file it
wrote, the hash of the inputs that produced it (`key`) and the hash of the bytes written (`sha256`); event
modules also name their schema file and its hash. It is plain, deterministic JSON (sorted keys, no times or
absolute paths), so it can be committed with the output and shared by CI.

When the schemas (`inputs`, every file's hash) and the settings are those recorded and every recorded file on disk
still has its recorded hash, the build's result is known without running it: the build is a deterministic
function of exactly these inputs (the settings include a hash of the generator's own source code, so a changed
generator is not trusted either). That is how a no-op `generate` or a `check` of fresh output stays well under a
second with a thousand events.

Otherwise a file's previous text is reused only when both hashes agree: its inputs are unchanged *and* the bytes on disk
are still the bytes that were written. So a hand-edited file, a file written by an interrupted run (the manifest
is written last), or a missing one is rebuilt and compared like any other; a manifest that does not match the
settings, or cannot be read, is ignored (a full build). The manifest is a cache: it never decides alone that a
tree is fresh, and deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = ".netmera-codegen.json"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""A larger file where the manifest or a recorded file should be is not ours: not read (it is rebuilt)."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Entry:
    key: str
    """Hash of everything the file's text is made from (before formatting)."""
    sha256: str
    """Hash of the bytes written."""
    source: str | None = None
    source_sha256: str | None = None


@dataclass
class Manifest:
    settings: dict[str, str]
    files: dict[str, Entry] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    """Every file under the schemas folder (relative path -> sha256), shared definitions included."""

    def to_text(self) -> str:
        data: dict[str, Any] = {
            "generator": "netmera-codegen",
            "manifest": FORMAT_VERSION,
            "settings": dict(sorted(self.settings.items())),
            "inputs": dict(sorted(self.inputs.items())),
            "files": {
                path: {key: value for key, value in vars(entry).items() if value is not None}
                for path, entry in sorted(self.files.items())
            },
        }
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        # A file name the file system could not decode holds lone surrogates: JSON escapes them, UTF-8 cannot.
        return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"

    @classmethod
    def read(cls, out_dir: Path) -> Manifest | None:
        """The manifest in `out_dir`, or None when there is none or it cannot be used."""
        try:
            path = out_dir / MANIFEST_NAME
            if path.stat().st_size > MAX_MANIFEST_BYTES:
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("generator") != "netmera-codegen" or data.get("manifest") != FORMAT_VERSION:
                return None
            settings = {str(key): str(value) for key, value in data["settings"].items()}
            inputs = {str(key): str(value) for key, value in data["inputs"].items()}
            files = {
                str(path): Entry(
                    key=str(entry["key"]),
                    sha256=str(entry["sha256"]),
                    source=entry.get("source"),
                    source_sha256=entry.get("source_sha256"),
                )
                for path, entry in data["files"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        return cls(settings=settings, files=files, inputs=inputs)

    def unchanged_on_disk(self, out_dir: Path) -> dict[str, str] | None:
        """Every recorded file's text, if each one on disk still has the recorded hash; else None."""
        texts = {}
        for path, entry in self.files.items():
            data = _read_bounded(out_dir / path)
            if data is None:
                return None
            if sha256_bytes(data) != entry.sha256:
                return None
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        return texts


class Reuse:
    """Decides, file by file, whether the previous run's text can stand in for rendering and formatting again."""

    def __init__(self, out_dir: Path, previous: Manifest | None, settings: dict[str, str]) -> None:
        self.out_dir = out_dir
        self.entries = previous.files if previous is not None and previous.settings == settings else {}

    def text(self, path: str, key: str) -> str | None:
        """The file's text on disk if its inputs are unchanged and nobody touched it since it was written."""
        entry = self.entries.get(path)
        if entry is None or entry.key != key:
            return None
        return self.written(path)

    def written(self, path: str) -> str | None:
        """The file's text on disk if it is still what the previous run wrote."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        data = _read_bounded(self.out_dir / path)
        if data is None or sha256_bytes(data) != entry.sha256:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def _read_bounded(path: Path) -> bytes | None:
    """A file's bytes, or None when it cannot be read or is larger than any generated file (it is not ours)."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
