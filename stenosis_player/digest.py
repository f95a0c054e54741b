"""SHA-256 without loading OpenSSL.

``hashlib`` loads the whole OpenSSL crypto library (libcrypto, about 4 MB resident here) to
hash a few short strings: cache keys, file fingerprints, the single-instance key. CPython's
own SHA-256 (the module hashlib falls back to) gives the same digests and is small.
"""

from __future__ import annotations

try:
    from _sha2 import sha256  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:  # a Python built without them: OpenSSL's it is
        from hashlib import sha256

__all__ = ["sha256"]
