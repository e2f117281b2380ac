import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    """The OMG BPMN MIWG reference models (shared/ beside the repository, or $LIANFANG_BPMN_MIWG)."""
    env = os.environ.get("LIANFANG_BPMN_MIWG")
    return Path(env) if env else REPO.parent / "shared" / "bpmn-miwg" / "reference"


def reference_files() -> list[Path]:
    folder = reference_dir()
    return sorted(folder.glob("*.bpmn")) if folder.is_dir() else []


@pytest.fixture(scope="session")
def bpmn_schema():
    """lxml XMLSchema of OMG BPMN 2.0, from the XSD files shipped in the spiffworkflow package.

    The package is only located, never imported.
    """
    etree = pytest.importorskip("lxml.etree")
    spec = importlib.util.find_spec("SpiffWorkflow")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("spiffworkflow (BPMN 2.0 XSD files) is not installed")
    xsd = Path(next(iter(spec.submodule_search_locations))) / "bpmn" / "parser" / "schema" / "BPMN20.xsd"
    if not xsd.is_file():
        pytest.skip(f"BPMN20.xsd not found at {xsd}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd), parser))
