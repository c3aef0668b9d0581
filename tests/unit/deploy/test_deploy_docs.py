"""The deploy docs and the runbook name what the template really has: a parameter the docs list that
the template lacks makes `sam deploy` fail; an alarm with no runbook line wakes someone who cannot act."""

import re
import tomllib

from infra.template import ROOT, load_template, resources_of_type

DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
RUNBOOK = (ROOT / "docs" / "operations.md").read_text()
SAMCONFIG = tomllib.loads((ROOT / "infra" / "samconfig.toml").read_text())


def table_rows(markdown: str, heading: str) -> set[str]:
    """The backticked first cell of each row of the table under `heading`."""
    section = markdown.split(heading, 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_the_deploy_docs_list_exactly_the_templates_parameters_and_outputs() -> None:
    template = load_template()
    assert table_rows(DEPLOY, "### Parameters") == set(template["Parameters"])
    assert table_rows(DEPLOY, "### Outputs") == set(template["Outputs"])


def test_each_documented_default_is_the_templates_default() -> None:
    section = DEPLOY.split("### Parameters", 1)[1].split("\n#", 1)[0]
    for name, default in re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", section, flags=re.MULTILINE):
        expected = str(load_template()["Parameters"][name].get("Default", ""))
        assert default.strip() == (f"`{expected}`" if expected else "empty"), name


def test_samconfig_environments_deploy_with_real_parameters() -> None:
    parameters = set(load_template()["Parameters"])
    commands = re.findall(r"sam deploy [^\n`]*", DEPLOY)
    assert any("--guided" in command for command in commands) and len(commands) >= 2
    for command in commands:
        assert "--config-file infra/samconfig.toml" in command, command
        env = re.search(r"--config-env (\S+)", command)
        assert env is not None, command
        names = env.group(1).strip("<>").split("|")
        for name in names:
            assert name in SAMCONFIG, name
    for name, environment in SAMCONFIG.items():
        if name == "version":
            continue
        assert environment["global"]["parameters"]["stack_name"].endswith(name)
        deploy = environment["deploy"]["parameters"]
        assert "CAPABILITY_IAM" in deploy["capabilities"]
        overrides = dict(pair.split("=", 1) for pair in deploy["parameter_overrides"].split())
        assert set(overrides) <= parameters, name
        for key, value in overrides.items():
            allowed = load_template()["Parameters"][key].get("AllowedValues")
            assert allowed is None or value in [str(v) for v in allowed], (name, key)


def test_every_alarm_has_a_runbook_line() -> None:
    alarms = set(resources_of_type("AWS::CloudWatch::Alarm"))
    assert alarms and alarms == table_rows(RUNBOOK, "## Runbook")


def test_the_readme_links_only_to_pages_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((docs/[^)]+)\)", readme)
    assert "docs/deploy.md" in links and "docs/operations.md" in links
    for link in links:
        page, _, anchor = link.partition("#")
        assert (ROOT / page).exists(), link
        if anchor:  # GitHub's anchor: the heading in lower case, spaces as dashes
            headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(), flags=re.MULTILINE)
            assert anchor in {h.strip().lower().replace(" ", "-") for h in headings}, link
