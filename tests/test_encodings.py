"""Text in UTF-16 or UTF-32 (with a byte-order mark) is read, and the report says so; text in no encoding
tos-check reads is a problem with its path. Never a silent pass: a card that says "generated with GPT-4"
must yield its finding whatever its editor saved it as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scanning import PUBLIC_CHAT, scan_builtin
from tests.test_cli import run
from tos_check.encodings import BOMS

CHAT = PUBLIC_CHAT
OPENAI = "openai-terms-of-use/"

# One file per format, each naming an OpenAI model behind its data (with a date where the format has one).
FORMATS = {
    "card/README.md": "---\nlicense: mit\ntags: [synthetic]\n---\n# Chats\n\nGenerated with GPT-4 in June 2023.\n",
    "prose/README.md": "# Chats\n\nAll responses were generated with GPT-4 (gpt-4-0613) in June 2023.\n",
    "tos-provenance.yaml": (
        "artifacts:\n  - id: data/chats\n    kind: dataset\n    generated_by:\n"
        "      - model: gpt-4-0613\n        date: 2023-06-10\n"
    ),
    "rows/records.jsonl": '{"prompt": "hi", "response": "hello", "model": "gpt-4-0613"}\n' * 3,
    "rows/records.csv": "prompt,response,model\nhi,hello,gpt-4-0613\nyo,hey,gpt-4-0613\n",
    # A training config naming a catalogued dataset (Alpaca: text-davinci-003 outputs).
    "train/axolotl.yaml": (
        "base_model: mistralai/Mistral-7B-v0.1\ndatasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\n"
    ),
    "rows/records.json": '[\n  {"prompt": "hi", "model": "gpt-4-0613"},\n  {"prompt": "yo", "model": "gpt-4"}\n]\n',
}
ENCODINGS = [name for _, name in BOMS]


def write(path: Path, text: str, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bom = next(b for b, name in BOMS if name == encoding)
    path.write_bytes(bom + text.encode(encoding.lower()))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_is_read_in_every_bom_encoding(tmp_path: Path, name: str, encoding: str) -> None:
    write(tmp_path / name, FORMATS[name], encoding)
    if name == "prose/README.md":
        (tmp_path / "prose" / "chats.jsonl").write_text("")  # a README is a card when data lies beside it
    report = scan_builtin(tmp_path, use=CHAT)
    assert report.problems == []
    rules = {f.rule for f in report.findings}
    assert any(rule.startswith(OPENAI) for rule in rules), rules
    wide = encoding != "UTF-8"
    assert [(e.path, e.encoding) for e in report.encodings] == ([(f"{tmp_path}/{name}", encoding)] if wide else [])


def test_the_same_card_in_utf8_and_utf16_gives_the_same_findings(tmp_path: Path) -> None:
    write(tmp_path / "a" / "README.md", FORMATS["card/README.md"], "UTF-8")
    write(tmp_path / "b" / "README.md", FORMATS["card/README.md"], "UTF-16-LE")

    def story(folder: str) -> list[tuple[str, str, int | None]]:
        report = scan_builtin(tmp_path / folder, use=CHAT)
        return [(f.rule, f.severity, f.location.line) for f in report.findings]

    assert story("a") == story("b") != []


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("card.md", "---\nauthor: Jos\u00e9\n---\nGenerated with GPT-4.\n".encode("latin-1"), "not valid UTF-8"),
        ("notes.md", "Generated with GPT-4 by Jos\u00e9.\n".encode("latin-1"), "not valid UTF-8"),
        ("README.md", "Generated with GPT-4.\n".encode("utf-16-le"), "binary content"),  # UTF-16 without its BOM
        ("config.yaml", "datasets:\n  - path: x\n".encode("utf-16-be"), "binary content"),
        ("meta.json", '{"generator": "gpt-4"}'.encode("utf-32-le"), "binary content"),
        ("records.jsonl", '{"model": "gpt-4"}\n'.encode("utf-16-le"), "binary content"),
        ("records.csv", "model\ngpt-4\n".encode("utf-16-le"), "binary content"),
    ],
)
def test_text_in_no_readable_encoding_is_a_problem_and_exit_2(
    tmp_path: Path, name: str, content: bytes, start: str
) -> None:
    (tmp_path / name).write_bytes(content)
    code, out, err = run("scan", str(tmp_path), "--format", "json")
    assert code == 2, (out, err)
    problems = json.loads(out)["problems"]
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path}/{name}"), problems
    assert start in problems[0]
    assert f"{tmp_path}/{name}" in err


def test_a_broken_utf16_file_is_a_problem(tmp_path: Path) -> None:
    # An odd number of bytes after the BOM: the last character is cut in half.
    (tmp_path / "tos-provenance.yaml").write_bytes(b"\xff\xfe" + "artifacts: []\n".encode("utf-16-le") + b"x")
    report = scan_builtin(tmp_path, use=CHAT)
    assert [p.split(": ", 1)[1] for p in report.problems] == [
        "not valid UTF-16-LE, which its byte-order mark announces (byte 28)"
    ]


def test_the_cli_says_which_encoding_it_read(tmp_path: Path) -> None:
    write(tmp_path / "data" / "README.md", FORMATS["card/README.md"], "UTF-16-LE")
    (tmp_path / "tos-check.yaml").write_text(json.dumps({"use": CHAT}))
    code, out, err = run("scan", str(tmp_path))
    assert code == 1, err  # the GPT-4 finding is an error under this use
    assert f"read as UTF-16-LE (its byte-order mark says so): {tmp_path}/data/README.md" in out
