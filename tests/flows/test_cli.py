"""The `lianfang flows` command-line contract, in-process and as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from lianfang.flows.models import Flowchart
from lianfang.orgs.models import Unit

from .test_serialize import LICENCE, REFERENCE


@pytest.fixture
def unit(db):
    return Unit.objects.create(code="U1", name="测试局")


def run(*args):
    call_command("flows", *args)


def test_import_json_prints_the_json_last_line(unit, tmp_path, capsys):
    path = tmp_path / "flows.json"
    path.write_text(json.dumps([LICENCE], ensure_ascii=False), encoding="utf-8")
    run("import", str(path), "--unit", "U1", "--json")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["flowcharts"] == [{"flowchart_code": "XK-001", "name": "许可核发"}]
    assert isinstance(result["warnings"], list)


def test_refusal_exits_non_zero_with_one_chinese_line_and_writes_nothing(unit, tmp_path, capsys):
    path = tmp_path / "bad.bpmn"
    path.write_text("<not-bpmn/>")
    with pytest.raises(SystemExit) as exit_:
        run("import", str(path), "--unit", "U1")
    assert exit_.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "导入被拒绝" in err and "Traceback" not in err
    assert not Flowchart.objects.exists()


def test_unknown_unit_is_refused(db, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run("import", str(tmp_path / "x.json"), "--unit", "NOPE")
    assert "NOPE" in capsys.readouterr().err


def test_export_json_and_bpmn(unit, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps([LICENCE], ensure_ascii=False), encoding="utf-8")
    run("import", str(path), "--unit", "U1")
    run("export", "--unit", "U1", "--out", str(tmp_path / "out.json"))
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [fc["flowchart_code"] for fc in exported] == ["XK-001"]
    assert exported[0]["steps"][0] == {"code": "S1", "name": "受理", "post": "受理岗", "post_linked": False,
                                       "limit_hours": 24, "supervision_point": True, "kind": "task"}
    run("export", "--unit", "U1", "--format", "bpmn", "--out", str(tmp_path / "bpmn"))
    assert (tmp_path / "bpmn" / "XK-001.bpmn").read_bytes().startswith(b"<?xml")


@pytest.mark.slow
def test_the_real_command_line(tmp_path):
    """As the acceptance checks call it: separate processes, a file database."""
    env = {**os.environ, "LIANFANG_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    lianfang = [sys.executable, "-m", "lianfang"]

    def sh(*args, check=True):
        return subprocess.run([*lianfang, *args], env=env, capture_output=True, text=True, check=check, timeout=300)

    sh("migrate", "-v0")
    sh("loaddemo")
    result = sh("flows", "import", str(REFERENCE / "A.1.0.bpmn"), "--unit", "JZ-QS-MAJ", "--json")
    assert json.loads(result.stdout.strip().splitlines()[-1])["flowcharts"]
    refused = sh("flows", "import", str(Path(__file__)), "--unit", "JZ-QS-MAJ", check=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    sh("flows", "export", "--unit", "JZ-QS-MAJ", "--out", str(tmp_path / "f.json"))
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
