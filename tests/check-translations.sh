#!/bin/sh
# check-translations.sh SRCDIR — every translatable string has a reviewed
# Italian translation: extracts a fresh template from POTFILES.in, merges
# it into po/it.po (in a temporary copy) and fails on any untranslated or
# fuzzy message, or on a format mismatch msgfmt can see.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
xgettext --package-name=casella --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 --keyword=g_dpgettext2:2c,3 \
  --flag=g_strdup_printf:1:c-format --flag=g_set_error:4:c-format \
  --files-from=po/POTFILES.in --output="$tmp/casella.pot"
for lang in $(cat po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$tmp/casella.pot" -o "$tmp/$lang.po"
  msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>"$tmp/stats"
  cat "$tmp/stats"
  if grep -Eq 'untranslated|fuzzy' "$tmp/stats"; then
    echo "po/$lang.po is not complete:" >&2
    msgattrib --only-fuzzy "$tmp/$lang.po" >&2 || true
    msgattrib --untranslated "$tmp/$lang.po" >&2 || true
    exit 1
  fi
  if msgattrib --only-obsolete "po/$lang.po" | grep -q msgid; then
    echo "po/$lang.po has obsolete entries; run ninja -C build casella-update-po" >&2
  fi
done
