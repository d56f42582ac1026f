#!/usr/bin/env python3
# Fails when the symbols libupdater.so exports drift from libupdater.ver, in
# either direction: a public function without a version entry, or an entry
# without a function.
import re
import subprocess
import sys

library, version_script = sys.argv[1], sys.argv[2]
out = subprocess.run(['nm', '-D', '--defined-only', library], check=True,
                     capture_output=True, text=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TDRBW':
        name = parts[2].split('@')[0]
        if not name.startswith('LIBUPDATER_'):
            exported.add(name)
listed = set(re.findall(r'^\s*(upd_[a-z0-9_]+);', open(version_script).read(), re.M))
missing = sorted(exported - listed)
stale = sorted(listed - exported)
for name in missing:
    print(f'exported but not in {version_script}: {name}')
for name in stale:
    print(f'in {version_script} but not exported: {name}')
print(f'{len(exported)} exported symbols, {len(listed)} listed')
sys.exit(1 if missing or stale else 0)
