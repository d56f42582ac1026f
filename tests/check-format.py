#!/usr/bin/env python3
# Every C file of the project is in the style of .clang-format.
import os
import re
import subprocess
import sys

clang_format, root = sys.argv[1], sys.argv[2]
tops = ('libupdater', 'tools', 'updater-service', 'plugins', 'demo-app', 'tests', 'bench')
# the project's own files: what git tracks, when it is a checkout (benchmarks
# leave generated trees of .c files in bench/work)
r = subprocess.run(['git', '-C', root, 'ls-files', '--cached', '--others', '--exclude-standard',
                    '--'] + list(tops), capture_output=True, text=True)
if r.returncode == 0:
    paths = [os.path.join(root, p) for p in r.stdout.split() if p.endswith(('.c', '.h'))]
else:
    paths = []
    for top in tops:
        for dirpath, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if d != 'work']
            for name in sorted(files):
                if name.endswith(('.c', '.h')):
                    paths.append(os.path.join(dirpath, name))
# one run for all files: a process per file takes minutes on a busy machine
r = subprocess.run([clang_format, '--dry-run', '-Werror'] + paths,
                   capture_output=True, text=True)
bad = sorted({os.path.relpath(m.group(1), root)
              for m in re.finditer(r'^(/[^:\n]+):\d+:\d+: (?:error|warning):', r.stderr, re.M)})
if r.returncode != 0 and not bad:
    print(r.stderr)
    sys.exit(1)
for path in bad:
    print(f'not formatted: {path} (run: clang-format -i {path})')
print(f'{len(paths)} files checked')
sys.exit(1 if bad else 0)
