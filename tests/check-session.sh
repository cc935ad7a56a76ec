#!/bin/sh
# check-session.sh — run inside casella-test-session: the private session
# bus starts nothing on demand (no portals, whose document portal would
# FUSE-mount the runtime folder and outlive the test), while the keyring
# the session starts itself is there.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

names=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.ListActivatableNames)
case "$names" in
  "(['org.freedesktop.DBus'],)") ;;
  *) echo "the test bus can start services on demand: $names" >&2; exit 1 ;;
esac

if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
     --method org.freedesktop.DBus.StartServiceByName org.freedesktop.portal.Documents 0 >/dev/null 2>&1; then
  echo "the document portal started on the test bus" >&2
  exit 1
fi

owner=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets)
[ "$owner" = "(true,)" ] || { echo "no Secret Service on the test bus" >&2; exit 1; }

if mountpoint -q "$XDG_RUNTIME_DIR/doc" 2>/dev/null; then
  echo "something is mounted on $XDG_RUNTIME_DIR/doc" >&2
  exit 1
fi
echo "test session: nothing activatable, keyring present"
