#!/usr/bin/env python3
# Every C file of the project is in the style of .clang-format.
import os
import subprocess
import sys

clang_format, root = sys.argv[1], sys.argv[2]
bad = []
count = 0
for top in ('libupdater', 'tools', 'updater-service', 'plugins', 'demo-app', 'tests', 'bench'):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in sorted(files):
            if name.endswith(('.c', '.h')):
                count += 1
                path = os.path.join(dirpath, name)
                r = subprocess.run([clang_format, '--dry-run', '-Werror', path],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    bad.append(os.path.relpath(path, root))
for path in bad:
    print(f'not formatted: {path} (run: clang-format -i {path})')
print(f'{count} files checked')
sys.exit(1 if bad else 0)
