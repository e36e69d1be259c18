"""``platform/`` is a source root, never a package: Python's own ``platform`` must work."""

import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_stdlib_platform_is_not_shadowed() -> None:
    assert platform.system()
    assert Path(platform.__file__).parent == Path(sys.modules["os"].__file__).parent


def test_platform_folder_has_no_init() -> None:
    assert not (REPO / "platform" / "__init__.py").exists()
    assert (REPO / "platform" / "teia" / "__init__.py").exists()
