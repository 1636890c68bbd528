"""The build cache and the atomic writer.

One content-addressed cache (`Cache`) serves every stage: built PDFs under a hash of everything
that shapes them, parsed content, template messages, check reports and "this catalog passed
msgfmt". Entries are plain JSON, signed with a key kept outside the project, and verified on
every read; anything else is ignored and rebuilt. `write_atomic` writes every file the tool writes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from . import __version__
from .errors import CacheError, Location

T = TypeVar("T")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Fingerprint:
    """Builds a cache key from labelled parts: file contents, file identities and plain values."""

    def __init__(self, *parts: str) -> None:
        self._digest = hashlib.sha256()
        for part in parts:
            self.add_value(part)

    def add_value(self, value: str) -> Fingerprint:
        encoded = value.encode("utf-8")
        self._digest.update(len(encoded).to_bytes(8, "big") + encoded)
        return self

    def add_files(self, paths: Iterable[Path]) -> Fingerprint:
        """The bytes of each file (small inputs: templates, catalogs, brand files)."""
        for path in sorted(paths):
            self.add_value(path.name)
            self.add_value(sha256_file(path))
        return self

    def add_identities(self, paths: Iterable[Path]) -> Fingerprint:
        """Path, size and modification time of each file (large inputs: fonts)."""
        for path in sorted(paths):
            stat = path.stat()
            self.add_value(f"{path}|{stat.st_size}|{stat.st_mtime_ns}")
        return self

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


RENDERING_PACKAGES = ("weasyprint", "pydyf", "pikepdf", "jinja2", "markdown_it", "babel", "pyphen")


def tool_versions() -> dict[str, str]:
    """The versions of the tools that shape a PDF (for manifests)."""
    from importlib import metadata

    versions = {"handouts": __version__}
    for package in ("weasyprint", "pydyf", "pikepdf", "jinja2", "markdown-it-py", "babel", "pyphen"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def tool_identity() -> str:
    """Which installed copies of the rendering packages are in use, found without importing
    them (importing WeasyPrint alone takes 0.4 s): an upgrade changes their files."""
    from importlib.util import find_spec

    parts = [__version__]
    for package in RENDERING_PACKAGES:
        spec = find_spec(package)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None or not origin.exists():
            parts.append(f"{package}:absent")
            continue
        stat = origin.stat()
        parts.append(f"{package}:{origin}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


CACHE_FORMAT = 2  # bump when the layout of an entry changes: older entries are then ignored


def user_cache_dir() -> Path:
    """The user-wide cache of this tool (`$XDG_CACHE_HOME/handouts`), outside every project."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "handouts"


def cache_secret(folder: Path | None = None) -> bytes:
    """This user's key for signing cache entries, made once and kept outside every project.

    A file under `.cache/` can come from anywhere (a commit, a CI artifact, another user); an
    entry is trusted only when it carries this key's signature, i.e. this user's run wrote it.
    """
    path = (folder or user_cache_dir()) / "cache.key"
    for _ in range(2):
        try:
            text = path.read_text(encoding="ascii").strip()
            if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
                return bytes.fromhex(text)
        except (OSError, UnicodeDecodeError):
            pass
        try:
            # Exclusive: two runs at once agree on one key (the loser reads the winner's).
            write_atomic(path, secrets.token_hex(32).encode("ascii"), overwrite=False, mode=0o600)
        except OSError:
            break
    # No writable user cache (a read-only home): this run's entries are trusted by this run alone.
    return PROCESS_SECRET


PROCESS_SECRET = secrets.token_bytes(32)


class Cache:
    """The one build cache: content-addressed, namespaced, plain data, verified on every read.

    `.cache/<namespace>/<key[:2]>/<key>.json` holds JSON: the namespace, the format version, the
    key, the data and a signature (HMAC-SHA256 with this user's key, see `cache_secret`) over all
    of them; byte entries sit beside it (`<key>.pdf`), their sha256 and stamp in the signed record.
    An entry that is unreadable, from another namespace, key or format, or badly signed is
    ignored (and removed) and rebuilt: the cache can never run code nor vouch for anything its
    own user's runs did not compute. Files under `.cache/` that git tracks are refused outright.
    """

    def __init__(self, root: Path, secret: bytes | None = None) -> None:
        self.root = root
        self._secret = secret
        self._checked = False

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = cache_secret()
        return self._secret

    def _record_path(self, namespace: str, key: str) -> Path:
        if not KEY_RE.match(key) or not NAMESPACE_RE.match(namespace):
            raise ValueError(f"bad cache key {namespace}/{key}")
        return self.root / namespace / key[:2] / f"{key}.json"

    def _sign(self, namespace: str, key: str, payload: str) -> str:
        message = "\0".join((str(CACHE_FORMAT), namespace, key, payload)).encode("utf-8")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def refuse_tracked_files(self) -> None:
        """A cache entry committed to the repository is an attack or a mistake: refuse to run."""
        if self._checked:
            return
        self._checked = True
        git = shutil.which("git")
        if git is None or not self.root.parent.is_dir():
            return
        result = subprocess.run(
            [git, "-C", str(self.root.parent), "ls-files", "-z", "--", self.root.name],
            capture_output=True,
            check=False,
        )
        tracked = [name for name in result.stdout.decode("utf-8", "replace").split("\0") if name]
        if result.returncode == 0 and tracked:
            raise CacheError(
                f"{len(tracked)} file(s) under {self.root.name}/ are tracked by git (for example {tracked[0]!r}); "
                f"the cache must never come from a commit: `git rm -r --cached {self.root.name}`",
                Location(self.root),
            )

    def is_empty(self, namespace: str) -> bool:
        """Whether no entry of `namespace` is stored (entries stored outside this cache's layout
        are not looked for)."""
        if not NAMESPACE_RE.match(namespace):
            raise ValueError(f"bad cache namespace {namespace}")
        folder = self.root / namespace
        return not folder.is_dir() or not any(part.is_dir() and any(part.iterdir()) for part in folder.iterdir())

    def get(self, namespace: str, key: str) -> Any:
        """The data stored under `key`, or None when absent, damaged, foreign or forged."""
        self.refuse_tracked_files()
        path = self._record_path(namespace, key)
        try:
            record = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            return None
        if (
            not isinstance(record, dict)
            or record.get("format") != CACHE_FORMAT
            or record.get("namespace") != namespace
            or record.get("key") != key
            or not isinstance(record.get("payload"), str)
            or not isinstance(record.get("signature"), str)
            or not hmac.compare_digest(record["signature"], self._sign(namespace, key, record["payload"]))
        ):
            path.unlink(missing_ok=True)
            return None
        try:
            return json.loads(record["payload"])
        except ValueError:
            return None

    def put(self, namespace: str, key: str, data: Any) -> None:
        """Store plain data (JSON types only) under `key`, atomically."""
        self.refuse_tracked_files()
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        record = {
            "format": CACHE_FORMAT,
            "namespace": namespace,
            "key": key,
            "payload": payload,
            "signature": self._sign(namespace, key, payload),
        }
        record_bytes = json.dumps(record, ensure_ascii=False).encode("utf-8")
        write_atomic(self._record_path(namespace, key), record_bytes, durable=False)

    def get_bytes(self, namespace: str, key: str, suffix: str = ".bin") -> tuple[Path, str] | None:
        """The stored file and its sha256, if its record is genuine and its bytes still match.

        A file whose stamp (see `file_stamp`) is the one recorded when it was written is not read
        again; any other is hashed in full, and removed when its bytes no longer match."""
        recorded = self.get(namespace, key)
        blob = self._record_path(namespace, key).with_suffix(suffix)
        digest = recorded.get("sha256") if isinstance(recorded, dict) else None
        if not isinstance(digest, str) or not blob.is_file() or blob.is_symlink():
            return None
        if recorded.get("stamp") == file_stamp(blob):
            return blob, digest
        if sha256_file(blob) != digest:
            blob.unlink(missing_ok=True)
            return None
        self.put(namespace, key, {"sha256": digest, "stamp": file_stamp(blob)})  # verified: stat it next time
        return blob, digest

    def put_bytes(self, namespace: str, key: str, data: bytes, suffix: str = ".bin") -> str:
        """Store bytes (the file first, then its signed hash and stamp) and return their sha256."""
        digest = sha256_bytes(data)
        blob = self._record_path(namespace, key).with_suffix(suffix)
        write_atomic(blob, data)  # durable: its stamp vouches for these bytes, never read again
        self.put(namespace, key, {"sha256": digest, "stamp": file_stamp(blob)})
        return digest

    def holds(self, path: Path, digest: str) -> bool:
        """Whether the file at `path` (an output the build wrote) has the sha256 `digest`.

        Its stamp is recorded in the cache when it is written or verified (`remember`); while the
        stamp is unchanged the file is not read. A file changed in any way since (its size, times
        or inode differ) is hashed in full, and its stamp recorded again when the bytes match."""
        try:
            stamp = file_stamp(path)
        except OSError:
            return False
        key = sha256_bytes(str(path).encode("utf-8"))
        recorded = self.get("stamps", key)
        if isinstance(recorded, dict) and recorded == {"path": str(path), "sha256": digest, "stamp": stamp}:
            return True
        if path.is_symlink() or not path.is_file() or sha256_file(path) != digest:
            return False
        self.remember(path, digest)
        return True

    def remember(self, path: Path, digest: str) -> None:
        """Record the stamp of a file just written with the sha256 `digest` (see `holds`)."""
        key = sha256_bytes(str(path).encode("utf-8"))
        self.put("stamps", key, {"path": str(path), "sha256": digest, "stamp": file_stamp(path)})


@functools.cache
def shared_cache(root: Path) -> Cache:
    """One `Cache` per folder of the user-wide cache and process (it asks git about a folder once)."""
    return Cache(root)


def kept_key(key: list[Any]) -> str:
    """The entry name of a `kept` value: the sha256 of its key, as JSON."""
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()


def kept(
    folder: str,
    namespace: str,
    key: list[Any],
    compute: Callable[[], T],
    encode: Callable[[T], Any] = lambda value: value,
    decode: Callable[[Any], T] = lambda value: value,
) -> T:
    """`compute()`, kept in the user-wide cache (`$XDG_CACHE_HOME/handouts/<folder>`): for facts
    every project on the machine shares (CLDR's data, GNU gettext's rules), never a project's
    own. `key` must hold everything the value depends on (library versions, the computing code's
    digest...). Entries are signed plain JSON like every `Cache` entry; one that `decode` cannot
    read (it raises KeyError, TypeError or ValueError) is computed and stored again, and a
    read-only home computes every time."""
    store = shared_cache(user_cache_dir() / folder)
    name = kept_key(key)
    record = store.get(namespace, name)
    if isinstance(record, dict) and "value" in record:
        try:
            return decode(record["value"])
        except (KeyError, TypeError, ValueError):
            pass  # stored in another shape
    value = compute()
    with suppress(OSError):
        store.put(namespace, name, {"value": encode(value)})
    return value


@functools.cache
def code_digest(path: Path) -> str:
    """The sha256 of a module's source, for the keys of what it computes (`kept`); read once per
    process, not once per language."""
    return sha256_bytes(path.read_bytes())


def file_stamp(path: Path) -> list[int]:
    """Size, modification and change times, inode: what tells a file changed without reading it.

    The change time (ctime) cannot be set back by anyone but the kernel, so a file edited and
    given its old modification time again still shows a new stamp; a copied or restored file
    (a cache from a CI artifact) has a new inode and ctime, and is read and hashed once."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


KEY_RE = re.compile(r"^[0-9a-f]{16,128}$")
NAMESPACE_RE = re.compile(r"^[a-z][a-z0-9-]*$")


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True, mode: int = 0o644, durable: bool = True) -> bool:
    """Write `path` whole or not at all; the one writer of every file this tool writes.

    The bytes go to a uniquely named temporary file in the target folder (so two processes
    never share one), are flushed to disk, and the file is renamed into place. With
    `overwrite=False` an existing file is kept (the link fails atomically) and False is returned.
    `durable=False` skips waiting for the disk (fsync): for the cache's JSON records, which a
    crash may leave empty or torn, and which are then found damaged (not JSON, or badly signed)
    and made again. Files whose stamp (`file_stamp`) the cache records are always durable: a
    file of the right size whose blocks never reached the disk would keep its stamp.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if durable:
                os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file object for writers that stream (zip archives, images); renamed into place on success."""
    buffer = io.BytesIO()
    yield buffer
    write_atomic(path, buffer.getvalue())
