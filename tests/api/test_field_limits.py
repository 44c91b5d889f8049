"""Each limit on what people enter is defined once, in network.domain, and every door uses it.

The JSON API's schemas (and so its OpenAPI document), the page forms, the command line and the CSV
reader take the same constants, so a value one door refuses is refused by all of them, with the
same bounds in the document that clients read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from api.services import sets as sets_service
from bridgework.cli import main
from network import csvio, domain
from network.formation import FormationError


@pytest.fixture
def spec(client: FlaskClient) -> dict:
    return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]


@pytest.mark.parametrize("schema", ["AssessorCreate", "AssessorUpdate"])
def test_the_api_documents_the_assessor_limits_of_the_domain(spec: dict, schema: str) -> None:
    fields = spec[schema]["properties"]
    assert (fields["experience_years"]["minimum"], fields["experience_years"]["maximum"]) == (domain.EXPERIENCE_MIN, domain.EXPERIENCE_MAX)
    assert (fields["capacity"]["minimum"], fields["capacity"]["maximum"]) == (domain.CAPACITY_MIN, domain.CAPACITY_MAX)
    assert (fields["email"]["pattern"], fields["email"]["maxLength"]) == (domain.EMAIL_PATTERN, domain.EMAIL_MAX)
    assert fields["name"]["maxLength"] == domain.MAX_NAME and fields["bio"]["maxLength"] == domain.MAX_BIO


@pytest.mark.parametrize("schema", ["ProgrammeCreate", "ProgrammeUpdate"])
def test_the_api_documents_the_programme_limits_of_the_domain(spec: dict, schema: str) -> None:
    fields = spec[schema]["properties"]
    for name in ("set_size_min", "set_size_max", "set_size_target"):
        assert (fields[name]["minimum"], fields[name]["maximum"]) == (domain.SET_SIZE_MIN, domain.SET_SIZE_MAX), name
    assert (fields["meetings"]["minimum"], fields["meetings"]["maximum"]) == (domain.MEETINGS_MIN, domain.MEETINGS_MAX)
    weight = fields["weights"]["additionalProperties"]
    assert (weight["minimum"], weight["maximum"]) == (domain.WEIGHT_MIN, domain.WEIGHT_MAX)
    assert spec["ProposalRequest"]["properties"]["seed"]["maximum"] == sets_service.MAX_SEED


def test_the_csv_reader_refuses_what_the_api_refuses(tmp_path: Path) -> None:
    (tmp_path / "assessors.csv").write_text(
        "id,name,email,experience_years,capacity\n"
        f"a-1,Sam Patel,sam@example.org,{domain.EXPERIENCE_MAX},{domain.CAPACITY_MAX}\n"
        f"a-2,Ann Adams,ann@example.org,{domain.EXPERIENCE_MAX + 1},1\n"
        f"a-3,Bob Brown,bob@example.org,1,{domain.CAPACITY_MAX + 1}\n"
        f"a-4,Cat Cole,{'c' * domain.EMAIL_MAX}@example.org,1,1\n",
        encoding="utf-8",
    )
    plan = csvio.read_dir(tmp_path, skip_invalid=True)
    assert [a.id for a in plan.bundle.assessors] == ["a-1"]
    problems = {(e.line, e.field): e.message for e in plan.errors}
    assert problems[(3, "experience_years")] == f"must be at most {domain.EXPERIENCE_MAX}, got {domain.EXPERIENCE_MAX + 1}"
    assert problems[(4, "capacity")] == f"must be at most {domain.CAPACITY_MAX}, got {domain.CAPACITY_MAX + 1}"
    assert (5, "email") in problems


def test_the_command_line_takes_the_programme_limits_of_the_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    too_big = runner.invoke(main, ["programme", "create", "p-1", "--name", "Spring", "--size-max", str(domain.SET_SIZE_MAX + 1)])
    assert too_big.exit_code == 2 and f"{domain.SET_SIZE_MIN}<=x<={domain.SET_SIZE_MAX}" in too_big.output
    none = runner.invoke(main, ["programme", "create", "p-1", "--name", "Spring", "--meetings", str(domain.MEETINGS_MIN - 1)])
    assert none.exit_code == 2 and f"{domain.MEETINGS_MIN}<=x<={domain.MEETINGS_MAX}" in none.output


def test_a_run_refuses_a_seed_no_door_would_take() -> None:
    assert sets_service.RunSettings(seed=sets_service.MAX_SEED).seed == sets_service.MAX_SEED
    with pytest.raises(FormationError):
        sets_service.RunSettings(seed=sets_service.MAX_SEED + 1)
