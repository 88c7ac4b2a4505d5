"""README.md shows exactly the code the compiler generates (refresh: scripts/readme_listings.py)."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_listings_are_current():
    spec = importlib.util.spec_from_file_location("readme_listings",
                                                  ROOT / "scripts" / "readme_listings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text()
    assert module.update(readme) == readme, \
        "README.md is stale: run `python scripts/readme_listings.py --write`"
