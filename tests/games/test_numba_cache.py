"""The games' guard of Numba's cache: an edit of any linked kernel file drops the cache files
of the whole group (Numba alone would keep the callers' stale code)."""

from __future__ import annotations

from varena.games import _numba_cache


def test_an_edit_of_one_file_drops_the_group(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    a, b = tmp_path / "alpha.py", tmp_path / "beta.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()

    def cached() -> set[str]:
        for name in ("alpha.f-3.py311.nbi", "beta.g-7.py311.nbc", "other.h-1.py311.nbi"):
            (cache / name).touch()
        return {p.name for p in cache.glob("*.nb[ic]")}

    def check() -> set[str]:
        monkeypatch.setattr(_numba_cache, "_CHECKED", set())  # a new process
        _numba_cache.drop_stale_cache("demo", [a, b])
        return {p.name for p in cache.glob("*.nb[ic]")}

    cached()
    assert check() == {"other.h-1.py311.nbi"}  # first check: no stamp yet
    everything = cached()
    assert check() == everything  # unchanged sources: the cache is kept
    b.write_text("y = 3\n")
    assert check() == {"other.h-1.py311.nbi"}  # beta changed: alpha's callers go too
