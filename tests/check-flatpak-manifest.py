#!/usr/bin/env python3
# check-flatpak-manifest.py MANIFEST SOURCE_ROOT APP_ID
#
# What can be checked about the Flatpak manifest without the runtime or the
# network: its shape (the keys flatpak-builder knows, with their types), the
# sandbox permissions, the modules and their pinned sources, and that every
# meson option the manifest passes exists. `flatpak-builder --show-manifest`
# (the other manifest test) checks the syntax as flatpak-builder reads it.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import re
import sys

TOP_KEYS = {
    "id": str, "app-id": str, "runtime": str, "runtime-version": str, "sdk": str,
    "command": str, "finish-args": list, "cleanup": list, "cleanup-commands": list,
    "modules": list, "build-options": dict, "sdk-extensions": list, "tags": list,
    "branch": str, "separate-locales": bool, "rename-icon": str,
}
MODULE_KEYS = {
    "name": str, "buildsystem": str, "builddir": bool, "config-opts": list, "sources": list,
    "cleanup": list, "build-options": dict, "build-commands": list, "post-install": list,
    "make-args": list, "make-install-args": list, "no-autogen": bool, "subdir": str,
}
SOURCE_KEYS = {
    "archive": {"type", "url", "sha256", "sha512", "dest", "strip-components", "x-checker-data"},
    "dir": {"type", "path", "skip", "dest"},
}
BUILDSYSTEMS = {"autotools", "cmake", "cmake-ninja", "meson", "simple", "qmake"}

# What the app needs, and nothing more. Secrets go through the Secret
# portal (libsecret's simple password API uses it inside the sandbox) and
# notifications through GNotification's portal, so no bus names are talked
# to; --share=ipc is X11's shared memory, which fallback-x11 needs.
FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
}

# Meson's own options a manifest may pass as -Dname=value.
MESON_BUILTIN = {"buildtype", "prefix", "libdir", "b_lto", "b_ndebug", "werror", "optimization", "debug"}


def fail(message):
    print(f"flatpak manifest: {message}", file=sys.stderr)
    sys.exit(1)


def check_keys(where, value, allowed):
    if not isinstance(value, dict):
        fail(f"{where} is not an object")
    for key, item in value.items():
        if key not in allowed:
            fail(f"{where} has an unknown key '{key}'")
        if not isinstance(item, allowed[key]):
            fail(f"{where}: '{key}' should be a {allowed[key].__name__}")


def meson_options(source_root):
    with open(f"{source_root}/meson_options.txt", encoding="utf-8") as f:
        return set(re.findall(r"option\(\s*'([^']+)'", f.read()))


def check_source(module, source):
    kind = source.get("type")
    if kind not in SOURCE_KEYS:
        fail(f"module {module}: source type '{kind}' is not one this check knows")
    unknown = set(source) - SOURCE_KEYS[kind]
    if unknown:
        fail(f"module {module}: unknown source keys {sorted(unknown)}")
    if kind == "archive":
        if not source.get("url", "").startswith("https://"):
            fail(f"module {module}: the archive must come over https")
        if not re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")):
            fail(f"module {module}: the archive needs a sha256 (64 hex digits)")


def check_module(module):
    check_keys(f"module {module.get('name')}", module, MODULE_KEYS)
    name = module.get("name")
    if not name:
        fail("a module has no name")
    if module.get("buildsystem", "autotools") not in BUILDSYSTEMS:
        fail(f"module {name}: unknown buildsystem")
    if not module.get("sources"):
        fail(f"module {name}: no sources")
    for source in module["sources"]:
        check_source(name, source)
    return name


def check_casella_module(module, options):
    if module.get("buildsystem") != "meson":
        fail("the casella module must build with meson")
    opts = module.get("config-opts", [])
    if "-Dtests=false" not in opts:
        fail("the casella module must configure with -Dtests=false (the SDK has no test tools)")
    for opt in opts:
        match = re.fullmatch(r"-D([A-Za-z0-9_-]+)=.*", opt)
        if not match:
            fail(f"the casella module passes '{opt}', not a -Dname=value option")
        if match.group(1) not in options and match.group(1) not in MESON_BUILTIN:
            fail(f"the casella module passes -D{match.group(1)}, which meson_options.txt does not define")
    if module["sources"] != [{"type": "dir", "path": ".."}]:
        fail("the casella module must build this source tree (a dir source at ..)")


def main():
    if len(sys.argv) != 4:
        fail("usage: check-flatpak-manifest.py MANIFEST SOURCE_ROOT APP_ID")
    path, source_root, app_id = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)

    check_keys("the manifest", manifest, TOP_KEYS)
    if manifest.get("id") != app_id:
        fail(f"id is '{manifest.get('id')}', not {app_id}")
    if manifest.get("command") != "casella":
        fail("command must be casella")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        fail("runtime and sdk must be GNOME's")
    if not re.fullmatch(r"[0-9]+", manifest.get("runtime-version", "")):
        fail("runtime-version must name a stable GNOME release (a number), not a development branch")

    args = manifest.get("finish-args", [])
    if len(args) != len(set(args)):
        fail("finish-args has duplicates")
    if set(args) != FINISH_ARGS:
        extra = sorted(set(args) - FINISH_ARGS)
        missing = sorted(FINISH_ARGS - set(args))
        fail(f"finish-args: not needed {extra}, missing {missing}")

    options = meson_options(source_root)
    modules = manifest.get("modules", [])
    names = [check_module(m) for m in modules]
    if names != ["gmime", "casella"]:
        fail(f"modules are {names}: gmime (not in the GNOME runtime), then casella")
    gmime = modules[0]["sources"][0]
    if not re.search(r"/gmime-3\.[0-9.]+\.tar\.xz$", gmime.get("url", "")):
        fail("gmime must be a 3.x release tarball")
    check_casella_module(modules[-1], options)
    print(f"flatpak manifest: {len(names)} modules, {len(args)} permissions, runtime "
          f"{manifest['runtime']} {manifest['runtime-version']}: fine")


main()
