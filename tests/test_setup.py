"""`./run` on Debian and Ubuntu: which system packages and which browser each distribution gets.

The decisions are shell functions of `./run`; sourcing it defines them without running anything,
and OS_RELEASE points them at a fake /etc/os-release.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

DEBIAN_12 = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""
UBUNTU_24_04 = """\
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
"""
LINUX_MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'
RASPBERRY_PI_OS = "ID=raspbian\nID_LIKE=debian\n"


def run_function(name: str, os_release: Path) -> str:
    """Call one function of `./run` with the given os-release file; its standard output."""
    result = subprocess.run(
        ["bash", "-c", f'source "$RUN" && {name}'],
        env={"PATH": "/usr/bin:/bin", "OS_RELEASE": str(os_release), "RUN": str(ROOT / "run")},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("os_release", "route", "packages"),
    [
        (DEBIAN_12, "apt", ["chromium"]),
        (RASPBERRY_PI_OS, "apt", ["chromium"]),
        (UBUNTU_24_04, "playwright", []),
        (LINUX_MINT, "playwright", []),
        (None, "apt", ["chromium"]),  # no os-release at all: assume Debian
    ],
    ids=["debian-12", "raspberry-pi-os", "ubuntu-24.04", "linux-mint", "no-os-release"],
)
def test_browser_route_and_test_packages_per_distribution(
    tmp_path: Path, os_release: str | None, route: str, packages: list[str]
) -> None:
    path = tmp_path / "os-release"
    if os_release is not None:
        path.write_text(os_release, encoding="utf-8")
    assert run_function("browser_route", path) == f"{route}\n"
    assert run_function("test_apt_packages", path).split() == packages


def test_sourcing_run_runs_nothing(tmp_path: Path) -> None:
    """Only defines functions: no install, no cd, no command (a test can source it safely)."""
    result = subprocess.run(
        ["bash", "-c", 'source "$RUN" && pwd && declare -F main install_system_packages'],
        env={"PATH": "/usr/bin:/bin", "RUN": str(ROOT / "run")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [str(tmp_path), "main", "install_system_packages"]
    assert result.stderr == ""


def test_the_workflow_runs_the_tests_on_both_promised_systems() -> None:
    """The README promises Debian 12 and Ubuntu 24.04; CI runs `./run test` on exactly those."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/handouts.yml").read_text(encoding="utf-8"))
    test = workflow["jobs"]["test"]
    systems = {(entry["runs-on"], entry["container"]) for entry in test["strategy"]["matrix"]["include"]}
    assert systems == {("ubuntu-24.04", ""), ("ubuntu-24.04", "debian:12")}
    assert test["runs-on"] == "${{ matrix.runs-on }}" and test["container"] == "${{ matrix.container }}"
    assert any(step.get("run") == "./run test" for step in test["steps"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "fresh Debian 12 or Ubuntu 24.04 machine" in readme
