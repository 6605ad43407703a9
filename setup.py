"""Build hook: the wheel ships the top-level defaults files in pirounet/defaults/.

pirounet/run/config.py reads the checkout's top-level files when they exist and these copies
otherwise, so an installed package finds its defaults without a checkout.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# Every system's defaults files: default_config.py, eval_config.py (PirouNet) and
# <system>_config.py, <system>_eval_config.py (learn2dance, and any system added later).
DEFAULTS = sorted(p.name for p in Path(__file__).parent.glob("*config.py"))


class BuildWithDefaults(build_py):
    """build_py that also copies the top-level defaults files into the package."""

    def run(self) -> None:
        """Build the package, then add pirounet/defaults/<file> for each defaults file."""
        super().run()
        target = Path(self.build_lib) / "pirounet" / "defaults"
        self.mkpath(str(target))
        for name in DEFAULTS:
            self.copy_file(name, str(target / name))


setup(cmdclass={"build_py": BuildWithDefaults})
