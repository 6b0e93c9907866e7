"""Each role README's table of variables is what its meta/argument_specs.yml says (testbed/role_docs.py)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "testbed" / "role_docs.py"
spec = importlib.util.spec_from_file_location("role_docs", SCRIPT)
role_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(role_docs)


def test_every_role_an_operator_calls_has_its_table():
    assert [role.name for role in role_docs.roles()] == ["cluster", "firewall", "kubo", "metrics", "monitoring"]


def test_the_tables_are_what_the_specs_say():
    assert role_docs.stale() == [], "run testbed/role_docs.py"


def test_a_spec_changed_without_its_readme_is_found(tmp_path, monkeypatch):
    role = tmp_path / "roles" / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      demo_port:\n        description: The C(demo) port.\n"
        "        type: int\n        default: 80\n")
    (role / "README.md").write_text(f"# demo\n\n{role_docs.BEGIN}\n{role_docs.END}\n\nMore prose.\n")
    monkeypatch.setattr(role_docs, "ROOT", tmp_path)
    assert role_docs.stale() == ["roles/demo/README.md"]
    assert role_docs.main(["role_docs.py"]) == 0
    assert role_docs.stale() == []
    text = (role / "README.md").read_text()
    assert "| `demo_port` | int | `80` | The `demo` port. |" in text and text.endswith("More prose.\n")
