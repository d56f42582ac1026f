#!/usr/bin/env python3
# The public API is declared in three places that must agree: the functions
# marked UPD_AVAILABLE_IN_ALL in the public headers, the entries of the linker
# version script, and the symbols libupdater.so really exports.
import glob
import os
import re
import subprocess
import sys

library, version_script = sys.argv[1], sys.argv[2]
headers_dir = os.path.dirname(version_script)

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

declared = set()
for header in glob.glob(os.path.join(headers_dir, 'upd-*.h')):
    if header.endswith('-private.h'):
        continue
    text = open(header).read()
    # UPD_AVAILABLE_IN_ALL, then a return type, then "name(" at a line start
    for match in re.finditer(r'UPD_AVAILABLE_IN_ALL\s*\n(.*?)\(', text, re.S):
        decl = match.group(1)
        if 'G_DECLARE_' in decl:
            continue
        name = re.findall(r'(upd_[a-z0-9_]+)\s*$', decl)
        if name:
            declared.add(name[0])
    for match in re.finditer(r'UPD_AVAILABLE_IN_ALL\s*\nG_DECLARE_\w+_TYPE\(\w+,\s*(upd_[a-z0-9_]+)', text):
        declared.add(match.group(1) + '_get_type')

bad = False
for name in sorted(declared - listed):
    print(f'declared public in a header but not in {os.path.basename(version_script)}: {name}')
    bad = True
for name in sorted(listed - declared):
    print(f'in {os.path.basename(version_script)} but not declared public: {name}')
    bad = True
for name in sorted(listed - exported):
    print(f'in {os.path.basename(version_script)} but not exported: {name}')
    bad = True
for name in sorted(exported - listed):
    print(f'exported but not in {os.path.basename(version_script)}: {name}')
    bad = True
print(f'{len(declared)} declared, {len(listed)} listed, {len(exported)} exported')
sys.exit(1 if bad else 0)
