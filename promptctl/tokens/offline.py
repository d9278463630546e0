"""tiktoken without network: prime its cache from the encoding files bundled in ``bpe-openai``.

tiktoken downloads ``o200k_base.tiktoken`` and ``cl100k_base.tiktoken`` from
``openaipublic.blob.core.windows.net`` on first use and caches them under
``$TIKTOKEN_CACHE_DIR`` (else ``$DATA_GYM_CACHE_DIR``, else ``<tmp>/data-gym-cache``) in a file named
``sha1(url)``, checking the content against a pinned sha256 (tiktoken 0.14.0 ``tiktoken/load.py``,
``tiktoken_ext/openai_public.py``). Offline, that download fails.

The ``bpe-openai`` 0.1.4 wheel ships both files gzipped (``bpe_openai/data/*.tiktoken.gz``); once
decompressed they are byte-identical to OpenAI's (same sha256). At first use promptctl:

1. picks the cache folder: the user's ``TIKTOKEN_CACHE_DIR`` / ``DATA_GYM_CACHE_DIR`` when set, else
   promptctl's own (``$PROMPTCTL_CACHE_DIR/tiktoken``, else ``$XDG_CACHE_HOME/promptctl/tiktoken``,
   else ``~/.cache/promptctl/tiktoken``), and then sets ``TIKTOKEN_CACHE_DIR`` to it (only when the
   user set neither variable);
2. for each encoding missing there, decompresses the bundled copy, checks its sha256 against
   tiktoken's expected hash and writes it atomically under the name tiktoken looks for.

A hash mismatch is a :class:`~promptctl.errors.TokenizerError`, never a silent fallback. To do it
explicitly (CI, install scripts)::

    python -m promptctl.tokens.offline        # or: promptctl cost --setup

Neither ``tiktoken`` nor ``bpe_openai`` is imported here: the data files are found through the
package's import spec, so ``bpe-openai``'s 74 MB native module is never loaded.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import sys
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptctl.errors import TokenizerError
from promptctl.types import user_cache_dir

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/"


@dataclass(frozen=True)
class EncodingFile:
    """One tiktoken encoding file that promptctl can supply offline.

    Attributes:
        name: Encoding name (``o200k_base``, ``cl100k_base``).
        url: The URL tiktoken downloads it from (its cache key is ``sha1(url)``).
        sha256: The hash tiktoken checks (``expected_hash`` in tiktoken 0.14.0 ``tiktoken_ext/openai_public.py``).
    """

    name: str
    url: str
    sha256: str

    @property
    def cache_name(self) -> str:
        """The file name tiktoken reads in its cache folder: ``sha1(url)`` in hex."""
        return hashlib.sha1(self.url.encode()).hexdigest()


ENCODING_FILES: dict[str, EncodingFile] = {
    "o200k_base": EncodingFile(
        "o200k_base", _BLOB + "o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": EncodingFile(
        "cl100k_base", _BLOB + "cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
"""Encodings supplied offline. o200k_harmony (gpt-oss) reuses the o200k_base file."""

_FOR_ENCODING = {"o200k_harmony": "o200k_base"}
_lock = threading.Lock()
_primed: set[str] = set()


def cache_dir() -> Path:
    """The folder tiktoken reads its cache from once promptctl has set it up.

    Returns:
        ``$TIKTOKEN_CACHE_DIR`` or ``$DATA_GYM_CACHE_DIR`` when set (non-empty), else promptctl's own
        cache folder (see the module docstring).
    """
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return Path(os.environ[var])
    return default_cache_dir()


def default_cache_dir() -> Path:
    """The tiktoken cache folder promptctl uses when the user set none.

    Returns:
        ``$PROMPTCTL_CACHE_DIR/tiktoken``, else ``$XDG_CACHE_HOME/promptctl/tiktoken``, else
        ``~/.cache/promptctl/tiktoken``.
    """
    return user_cache_dir() / "tiktoken"


def bundled_dir() -> Path | None:
    """The folder of ``bpe-openai``'s bundled ``*.tiktoken.gz`` files, or None when it is not installed.

    Found through the import spec, without importing the package (which loads a 74 MB native module).
    """
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def prime(
    names: tuple[str, ...] = ("o200k_base", "cl100k_base"),
    *,
    target: Path | None = None,
    source: Path | None = None,
    verify_existing: bool = True,
) -> dict[str, Path]:
    """Write tiktoken's cache files for ``names`` from the bundled copies, verifying their sha256.

    Args:
        names: Encodings to prime (keys of :data:`ENCODING_FILES`).
        target: Cache folder; default :func:`cache_dir` (which also sets ``TIKTOKEN_CACHE_DIR`` when
            the user set neither cache variable).
        source: Folder holding ``<name>.tiktoken.gz``; default :func:`bundled_dir`.
        verify_existing: Re-hash files already in the cache and replace them if they do not match.

    Returns:
        The cache file of each encoding.

    Raises:
        TokenizerError: bpe-openai is missing, a bundled file's sha256 differs from tiktoken's, or the
            cache folder cannot be written.
    """
    folder = target or _use_cache_dir()
    written: dict[str, Path] = {}
    for name in names:
        spec = ENCODING_FILES[name]
        path = folder / spec.cache_name
        if path.is_file() and (not verify_existing or _sha256_file(path) == spec.sha256):
            written[name] = path
            continue
        data = _bundled_bytes(spec, source)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise TokenizerError(
                f"cannot write tiktoken's cache file {path}: {exc.strerror or exc}",
                hint="set TIKTOKEN_CACHE_DIR (or PROMPTCTL_CACHE_DIR) to a writable folder",
            ) from None
        written[name] = path
    return written


def ensure(encoding: str) -> None:
    """Make sure tiktoken can load ``encoding`` offline (once per process; cheap afterwards).

    Encodings promptctl cannot supply (``p50k_base``, ``r50k_base``...) are left to tiktoken.

    Raises:
        TokenizerError: As for :func:`prime`.
    """
    name = _FOR_ENCODING.get(encoding, encoding)
    if name in _primed or name not in ENCODING_FILES:
        return
    with _lock:
        if name not in _primed:
            prime((name,), verify_existing=False)  # tiktoken re-checks the sha256 when it reads the file
            _primed.add(name)


@lru_cache(maxsize=8)
def get_encoding(name: str) -> Any:
    """``tiktoken.get_encoding(name)`` that works offline (cache primed first).

    Args:
        name: Encoding name, e.g. ``o200k_base``.

    Returns:
        The ``tiktoken.Encoding`` (cached per process).

    Raises:
        TokenizerError: The encoding cannot be loaded (not bundled and no network, or a bad hash).
    """
    import tiktoken

    ensure(name)
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # requests/urllib errors, tiktoken's hash ValueError
        if name in ENCODING_FILES or name in _FOR_ENCODING:
            # a cached file that failed tiktoken's check was deleted by tiktoken: write it again, once
            _primed.discard(_FOR_ENCODING.get(name, name))
            prime((_FOR_ENCODING.get(name, name),))
            try:
                return tiktoken.get_encoding(name)
            except Exception:
                pass
        reason = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:160]}"
        raise TokenizerError(
            f"tiktoken cannot load the {name} encoding offline: {reason}",
            hint="run 'python -m promptctl.tokens.offline' (needs bpe-openai==0.1.4), or let tiktoken download once",
        ) from None


def encodings_loaded() -> bool:
    """Whether an encoding is loaded in this process (by :func:`get_encoding` or tiktoken's registry)."""
    registry = sys.modules.get("tiktoken.registry")
    return get_encoding.cache_info().currsize > 0 or bool(getattr(registry, "ENCODINGS", None))


def release_encodings() -> bool:
    """Let go of every loaded encoding, so the memory it holds (about 85 MiB for ``o200k_base``) can be reused.

    A loaded encoding is held by :func:`get_encoding`'s cache and by tiktoken's own registry
    (``tiktoken.registry.ENCODINGS``); both are emptied, and glibc's ``malloc_trim`` gives the freed heap back
    to the system (elsewhere the allocator keeps it for this process). ``ab`` calls this once its estimate is
    counted, so that a cold comparison's peak memory is the larger of counting and running, not their sum.
    The next count loads the encoding again (a text counted before is answered by
    :mod:`promptctl.tokens.count_cache` without one).

    Returns:
        True when an encoding was loaded (and is now released).
    """
    loaded = get_encoding.cache_info().currsize > 0
    get_encoding.cache_clear()
    registry = sys.modules.get("tiktoken.registry")
    held = getattr(registry, "ENCODINGS", None)
    if isinstance(held, dict) and held:
        loaded = True
        with getattr(registry, "_lock", threading.Lock()):
            held.clear()
    if loaded:  # freed by reference counting (an encoding holds no cycle): no collection needed
        _trim_heap()
    return loaded


def _trim_heap() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim(0)``); elsewhere, do nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # musl and other C libraries: no malloc_trim, nothing to do
        pass


def _use_cache_dir() -> Path:
    folder = cache_dir()
    if not os.environ.get("TIKTOKEN_CACHE_DIR") and not os.environ.get("DATA_GYM_CACHE_DIR"):
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    return folder


def _bundled_bytes(spec: EncodingFile, source: Path | None) -> bytes:
    folder = source or bundled_dir()
    if folder is None:
        raise TokenizerError(
            f"tiktoken's {spec.name} file is not cached and bpe-openai, which bundles it, is not installed",
            hint="pip install bpe-openai==0.1.4 (or let tiktoken download it once with network)",
        )
    gz = folder / f"{spec.name}.tiktoken.gz"
    try:
        data = gzip.decompress(gz.read_bytes())
    except (OSError, EOFError) as exc:
        raise TokenizerError(
            f"cannot read the bundled {spec.name} file {gz}: {exc}",
            hint="pip install --force-reinstall bpe-openai==0.1.4",
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != spec.sha256:
        raise TokenizerError(
            f"the bundled {spec.name} file {gz} has sha256 {actual[:16]}..., not tiktoken's {spec.sha256[:16]}...",
            hint="pip install --force-reinstall bpe-openai==0.1.4; promptctl will not count with a file that differs",
        )
    return data


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Prime tiktoken's cache and print where (``python -m promptctl.tokens.offline``).

    Returns:
        0 on success, 2 on a :class:`~promptctl.errors.TokenizerError` (printed as one line plus a hint).
    """
    del argv
    try:
        paths = prime()
    except TokenizerError as exc:
        sys.stderr.write(f"error: {exc.message}\n" + (f"hint: {exc.hint}\n" if exc.hint else ""))
        return 2
    for name, path in paths.items():
        sys.stdout.write(f"{name}: {path} (sha256 {ENCODING_FILES[name].sha256[:16]}... ok)\n")
    sys.stdout.write(f"TIKTOKEN_CACHE_DIR={path.parent}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
