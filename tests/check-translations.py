#!/usr/bin/env python3
# The catalogues of po/LINGUAS are complete: every message of the sources is
# translated, nothing is fuzzy, and msgfmt accepts the catalogue (formats match).
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
po = os.path.join(root, 'po')
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'libupdater.pot')
    sources = [l.strip() for l in open(os.path.join(po, 'POTFILES.in'))
               if l.strip() and not l.startswith('#')]
    subprocess.run(['xgettext', '--from-code=UTF-8', '--keyword=_', '--keyword=N_',
                    '--keyword=upd_i18n_ngettext:1,2', '--add-comments=TRANSLATORS:',
                    '--language=C', '-o', pot, '-D', root] + sources, check=True)
    bad = False
    for lang in open(os.path.join(po, 'LINGUAS')).read().split():
        path = os.path.join(po, lang + '.po')
        merged = os.path.join(tmp, lang + '.po')
        subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, path, pot],
                       check=True)
        stats = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                               capture_output=True, text=True)
        print(f'{lang}: {stats.stderr.strip()}')
        if stats.returncode != 0 or 'untranslated' in stats.stderr or 'fuzzy' in stats.stderr:
            for flag in ('--untranslated', '--only-fuzzy'):
                left = subprocess.run(['msgattrib', flag, merged],
                                      capture_output=True, text=True).stdout
                print(left[:4000])
            bad = True
sys.exit(1 if bad else 0)
