#!/usr/bin/env python3
# Every source file that marks strings for translation is listed in
# po/POTFILES.in, and every listed file exists and marks strings.
import os
import re
import sys

root = sys.argv[1]
marker = re.compile(r'(?<![A-Za-z0-9_])(_|N_|upd_i18n_ngettext)\(\s*"')
listed = set()
for line in open(os.path.join(root, 'po', 'POTFILES.in')):
    line = line.strip()
    if line and not line.startswith('#'):
        listed.add(line)
marked = set()
for top in ('libupdater', 'tools', 'updater-service', 'plugins', 'demo-app'):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in files:
            if name.endswith('.c'):
                path = os.path.join(dirpath, name)
                if marker.search(open(path, encoding='utf-8').read()):
                    marked.add(os.path.relpath(path, root))
bad = False
for path in sorted(marked - listed):
    print(f'{path} marks strings but is missing from po/POTFILES.in')
    bad = True
for path in sorted(listed - marked):
    print(f'po/POTFILES.in lists {path}, which marks no strings or does not exist')
    bad = True
print(f'{len(listed)} files in POTFILES.in')
sys.exit(1 if bad else 0)
