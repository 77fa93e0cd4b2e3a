"""Reading postings the user already has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobmatch.jobfiles import JobFileError, load_postings


def test_jsonl_and_json_list(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "title": "Nurse", "company": "Mercy", "location": "Austin", "description": "ICU care"},
        {"title": "Engineer", "company": "Acme", "description": "Go and Python"},
    ]
    (tmp_path / "jobs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    (tmp_path / "jobs.json").write_text(json.dumps(rows))
    for name in ("jobs.jsonl", "jobs.json"):
        postings = load_postings(tmp_path / name)
        assert [p.title for p in postings] == ["Nurse", "Engineer"]
        assert postings[0].job_id == "a"
        assert len(postings[1].job_id) == 16  # no id given: keyed by its text, the same every time
    assert load_postings(tmp_path / "jobs.json")[1].job_id == load_postings(tmp_path / "jobs.jsonl")[1].job_id


def test_shared_seed_postings_load(tmp_path: Path) -> None:
    seed = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "jobs" / "jobs_seed_output.json"
    if not seed.exists():
        pytest.skip(f"{seed} not found")
    postings = load_postings(seed)
    assert len(postings) == 20 and all(p.description.count("\n") > 3 for p in postings)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("jobs.txt", "x", "unknown jobs file type"),
        ("jobs.json", "{", "not valid JSON"),
        ("jobs.jsonl", "[1]\n", "line 1"),
        ("jobs.csv", "id,title\n1,x\n", "no postings with a description"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(JobFileError, match=message):
        load_postings(tmp_path / name)
