"""PEP 517 build backend of the root pyproject.toml (the package pre-commit installs).

It builds a wheel with metadata only: the name, version and dependencies of pyproject.toml's
[project] table. Nothing to download, nothing to compile: installing it makes pip install
the `composeguard` wheel it depends on. Written by hand because Python before 3.11 has no
TOML parser; it reads the few `key = value` lines it needs.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

_TAG = "py3-none-any"


def _project():
    with open("pyproject.toml", encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M).group(1)

    def string(key):
        return re.search(r'^%s\s*=\s*"([^"]*)"' % key, table, re.M).group(1)

    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", table, re.S | re.M).group(1)
    return {
        "name": string("name"),
        "version": string("version"),
        "summary": string("description"),
        "dependencies": re.findall(r'"([^"]+)"', deps),
    }


def _dist(project):
    return "%s-%s" % (re.sub(r"[-_.]+", "_", project["name"]).lower(), project["version"])


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % project["name"],
        "Version: %s" % project["version"],
        "Summary: %s" % project["summary"],
    ]
    lines += ["Requires-Dist: %s" % d for d in project["dependencies"]]
    return "\n".join(lines) + "\n"


def _files(project):
    info = _dist(project) + ".dist-info"
    wheel = "Wheel-Version: 1.0\nGenerator: hooks_backend\nRoot-Is-Purelib: true\nTag: %s\n"
    return info, {
        info + "/METADATA": _metadata(project).encode(),
        info + "/WHEEL": (wheel % _TAG).encode(),
    }


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    info, files = _files(project)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(metadata_directory, name), "wb") as f:
            f.write(data)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    info, files = _files(project)
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append("%s,sha256=%s,%d" % (name, digest.decode(), len(data)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = "%s-%s.whl" % (_dist(project), _TAG)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as whl:
        for name, data in files.items():
            whl.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = _dist(project)
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for name in ("pyproject.toml", "python/hooks_backend.py"):
            tar.add(name, arcname="%s/%s" % (base, name))
        pkg_info = _metadata(project).encode()
        entry = tarfile.TarInfo("%s/PKG-INFO" % base)
        entry.size = len(pkg_info)
        tar.addfile(entry, io.BytesIO(pkg_info))
    return filename
