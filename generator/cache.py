"""The build cache: work of earlier runs on the same schema contents, found again by hash.

Loading, bundling and parsing are pure functions of the schema files' bytes and of the generator's own code, so
their results are kept in a cache folder under a key made of both: the sha256 of every input the result depends
on (a file's bytes, the files its `$ref`s reach, where it is shown) and `generator_sha256()`. Nothing else about a
run can change them, so an entry is either exactly what the work would produce again or not found: a new
generator version or an edit changes the key. What is kept:

- per schemas folder, in `pack/` (see `Pack`): the files whose structure `load` already checked (nesting
  depth, lone surrogates), by content hash; each event file's bundled schema, with the hashes of the files its
  `$ref`s copied from and the findings of reading it into its tree; each event's parse (see `parse_cache`); the
  findings of lint's rules, by the file or event they read;
- `reserved/`: the names the package exports besides its events, keyed by the build's settings; `exports/`: the
  names a shipped module's `__all__` lists, by its text;
- `templates/`: the templates compiled by Jinja, whether each reads the schemas and which templates it imports,
  by their source.

The folder is `$NETMERA_CODEGEN_CACHE`, else `$XDG_CACHE_HOME/netmera-codegen`, else `~/.cache/netmera-codegen`;
`NETMERA_CODEGEN_CACHE=off` turns it off. Every entry carries the sha256 of its own payload: an entry that cannot be
read, is truncated, altered or of another format is ignored (and replaced), never trusted, so deleting or
corrupting the folder only costs time. Writes are atomic, so parallel runs can share a folder.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CACHE_ENV = "NETMERA_CODEGEN_CACHE"
CACHE_OFF = "off"
CACHE_NAME = "netmera-codegen"
FORMAT = b"netmera-codegen cache 1\n"
"""First line of every entry; entries of another format are ignored."""
MAX_ENTRY_BYTES = 256 * 1024 * 1024
GENERATOR_ROOT = Path(__file__).parent


def generator_sha256(root: Path = GENERATOR_ROOT) -> str:
    """Hash of the generator's code, sub-folders included: during development the version alone does not name it.

    Only what every installation of the generator holds counts (its Python files and the runtime's `py.typed`),
    so a checkout, an editable install and a wheel hash alike and agree on a committed manifest; the templates
    that an installed wheel carries inside the package are hashed on their own (`pipeline.templates_sha256`).
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        shipped = path.suffix == ".py" or path.name == "py.typed"
        if shipped and path.is_file() and "__pycache__" not in path.parts and not name.startswith("templates/"):
            digest.update(f"{name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def cache_folder() -> Path | None:
    """Where the cache lives (see the module's docstring); None when it is turned off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in (CACHE_OFF, "") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / CACHE_NAME


class BuildCache:
    """Entries by kind and key; `get` returns None for anything it cannot vouch for."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.salt = generator_sha256()
        """The generator's code hash, in every key (and the build's settings)."""

    def key(self, parts: Iterable[str]) -> str:
        """The key of a result that depends on `parts` (and on the generator's code)."""
        digest = hashlib.sha256(self.salt.encode())
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            digest.update(f"{len(data)}:".encode())
            digest.update(data)
        return digest.hexdigest()

    def _path(self, kind: str, key: str) -> Path | None:
        return None if self.folder is None else self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Any:
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        head, _, rest = data.partition(b"\n")
        digest, _, payload = rest.partition(b"\n")
        if (
            head + b"\n" != FORMAT
            or len(data) > MAX_ENTRY_BYTES
            or hashlib.sha256(payload).hexdigest() != digest.decode("ascii", "replace")
        ):
            return None
        try:
            return pickle.loads(payload)
        except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError, ValueError, IndexError):
            return None  # written by another version of the code: ignored like any unusable entry

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store an entry; a cache that cannot be written (read-only, full disk) is silently skipped."""
        path = self._path(kind, key)
        if path is None:
            return
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        data = FORMAT + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return

    def remember(self, kind: str, parts: Iterable[str], compute: Callable[[], T]) -> T:
        """`compute()`, or what it returned when last called with the same `parts` (its only inputs)."""
        key = self.key(parts)
        kept = self.get(kind, key)
        if isinstance(kept, tuple) and len(kept) == 1:
            return kept[0]  # type: ignore[no-any-return]
        result = compute()
        self.put(kind, key, (result,))
        return result


@functools.cache
def default_cache() -> BuildCache:
    """The cache of this process (folder from the environment when first asked)."""
    return BuildCache(cache_folder())


PACK_KIND = "pack"


class Pack:
    """Many small results of one stage for one schemas folder, stored together as one entry of `cache`.

    Each result has its own key, made of everything it depends on, so a pack is as exact as one entry per result:
    `get` finds a result only under the key it was computed for. Reading 1000 parse results from one entry takes
    0.07 s, from 1000 entries 0.23 s (an open, a read, a hash and an unpickle each), which is most of what a
    one-schema edit may cost. `save` keeps only the results this run asked for or added, so a pack holds one
    schemas folder's current results and does not grow with its history.
    """

    def __init__(self, cache: BuildCache, stage: str, scope: Iterable[str]) -> None:
        self.cache = cache
        self.key = cache.key([stage, *scope])
        self._stored: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._added = False

    def _entries(self) -> dict[str, Any]:
        if self._stored is None:
            kept = self.cache.get(PACK_KIND, self.key)
            self._stored = kept if isinstance(kept, dict) else {}
        return self._stored

    def get(self, key: str) -> Any:
        """The result stored under `key`, or None."""
        value = self._entries().get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value
        self._added = True

    def remember(self, key: str, compute: Callable[[], T], kind: type[T]) -> T:
        """The result stored under `key` when it is a `kind` (anything else was written by other code: a miss),
        else `compute()`, stored under `key`."""
        kept = self.get(key)
        if isinstance(kept, kind):
            return kept
        result = compute()
        self.put(key, result)
        return result

    def save(self) -> None:
        """Store the results used or added in this run, unless that is exactly what is stored already."""
        if self.cache.folder is None or (not self._added and self._used.keys() == self._entries().keys()):
            return
        self.cache.put(PACK_KIND, self.key, self._used)
        self._stored, self._added = dict(self._used), False
