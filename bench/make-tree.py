#!/usr/bin/env python3
# Makes the two versions of the file tree bench/install-tree.sh installs.
#
# usage: bench/make-tree.py [--files N] [--total BYTES] [--changed N] [--seed S] DIR
#
# DIR/v1 holds N regular files (default 10,000) of about BYTES in all (default
# 500,000,000), DIR/v2 the same tree with --changed of them (default 100)
# modified in place (same size, a slice of new content, a later mtime); v2's
# other files are hard links to v1's. DIR/files.tsv lists every file: path,
# size, kind, changed (0 or 1). The same arguments make the same bytes (Python's
# random with a fixed seed), so figures from different runs compare.
#
# The mix is meant to look like an application: 94 % small files of 1 to 20 KiB
# (sources, translations, icons), 5.9 % medium ones of 20 KiB to 2 MB (shared
# libraries, data), and 8 large ones of 12 to 48 MB (media, data packs). Each
# file is one of three kinds:
#   text    lines of identifiers and punctuation, unique per file; zstd -12
#           makes them about a third of their size
#   random  random bytes, like compressed media: zstd cannot shrink them
#   mixed   4 KiB blocks, half text and half random, like executables
import argparse
import math
import os
import random
import sys

VERSION = 1  # bump when the bytes produced change
MTIME_V1 = 1_700_000_000
MTIME_V2 = 1_700_086_400


def make_corpus(rng, size):
    letters = 'abcdefghijklmnopqrstuvwxyz'
    vocab = [''.join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(3000)]
    punct = [' ', ' ', ' ', '_', '(', ') ', ', ', ' = ', '; ', '.', '->', ' { ', ' }']
    out = []
    length = 0
    while length < size:
        words = rng.choices(vocab, k=rng.randint(2, 12))
        seps = rng.choices(punct, k=len(words))
        line = ' ' * (4 * rng.randint(0, 3)) + ''.join(w + s for w, s in zip(words, seps)) + '\n'
        out.append(line)
        length += len(line)
    return ''.join(out).encode()


class Content:
    def __init__(self, rng):
        self.rng = rng
        self.corpus = make_corpus(rng, 16 * 1024 * 1024)

    def text(self, n, header):
        head = header[:n]
        n -= len(head)
        chunks = [head]
        while n > 0:
            take = min(n, 64 * 1024)
            off = self.rng.randrange(len(self.corpus) - take)
            chunks.append(self.corpus[off:off + take])
            n -= take
        return b''.join(chunks)

    def random(self, n):
        chunks = []
        while n > 0:
            take = min(n, 1024 * 1024)
            chunks.append(self.rng.randbytes(take))
            n -= take
        return b''.join(chunks)

    def mixed(self, n, header):
        chunks = [header[:n]]
        n -= len(chunks[0])
        while n > 0:
            take = min(n, 4096)
            if self.rng.random() < 0.5:
                off = self.rng.randrange(len(self.corpus) - take)
                chunks.append(self.corpus[off:off + take])
            else:
                chunks.append(self.rng.randbytes(take))
            n -= take
        return b''.join(chunks)

    def make(self, kind, n, header):
        if kind == 'text':
            return self.text(n, header)
        if kind == 'random':
            return self.random(n)
        return self.mixed(n, header)


EXTENSIONS = {
    'text': ['.txt', '.c', '.h', '.json', '.xml', '.html', '.js', '.css', '.py', '.ini'],
    'random': ['.png', '.jpg', '.ogg', '.woff2', '.gz', '.webp'],
    'mixed': ['.so', '.mo', '.bin', '.dat', '.pak', '.db'],
}


def plan(rng, n_files, total):
    """[(path, size, kind, mode)], sorted by path"""
    n_large = 8
    n_small = round(n_files * 0.94)
    n_medium = n_files - n_small - n_large
    # 48 to 12 MB for the default total of 500 MB, in proportion otherwise
    large = [round(mb * total / 500) for mb in [48, 40, 32, 28, 24, 20, 16, 12]]
    small = [round(math.exp(rng.uniform(math.log(1024), math.log(20 * 1024)))) for _ in range(n_small)]
    medium = [math.exp(rng.uniform(math.log(20 * 1024), math.log(2_000_000))) for _ in range(n_medium)]
    # the medium files take what is left of the total
    left = total - sum(small) - sum(large)
    if left < n_medium * 20 * 1024:
        sys.exit('make-tree.py: --total too small for the mix')
    scale = left / sum(medium)
    scaled = [max(20 * 1024, round(s * scale)) for s in medium]
    scaled[-1] += left - sum(scaled)
    if scaled[-1] < 20 * 1024:
        # a small total: scaling clamped many files up to 20 KiB and the last one
        # would take the difference (down to a negative size). Scale what is above
        # 20 KiB instead. (The default total never comes here: its bytes are unchanged.)
        floor = 20 * 1024
        scale = (left - n_medium * floor) / sum(s - floor for s in medium)
        scaled = [floor + round((s - floor) * scale) for s in medium]
        scaled[-1] += left - sum(scaled)
        if scaled[-1] < floor:
            sys.exit('make-tree.py: --total too small for the mix')
    medium = scaled

    tops = ['bin', 'lib', 'share', 'plugins', 'data', 'resources', 'locale', 'doc']
    dirs = []
    for top in tops:
        if top == 'bin':
            continue
        for m in range(rng.randint(3, 8)):
            for leaf in range(rng.randint(2, 9)):
                dirs.append(f'{top}/{top[:3]}-{m:02d}/part-{leaf:02d}')

    files = []
    used = set()

    def add(size, kind, directory, mode=0o644):
        while True:
            name = f'{directory}/f{rng.randrange(10**6):06d}{rng.choice(EXTENSIONS[kind])}'
            if name not in used:
                used.add(name)
                break
        files.append((name, size, kind, mode))

    for i, size in enumerate(small):
        if i < 20:  # a few programs
            add(size, 'mixed', 'bin', 0o755)
            continue
        kind = rng.choices(['text', 'random', 'mixed'], weights=[60, 25, 15])[0]
        add(size, kind, rng.choice(dirs))
    for size in medium:
        kind = rng.choices(['text', 'random', 'mixed'], weights=[40, 30, 30])[0]
        add(size, kind, rng.choice(dirs))
    for kind, size in zip(['random', 'random', 'mixed', 'random', 'mixed', 'text', 'mixed', 'text'], large):
        add(size, kind, rng.choice(dirs))
    files.sort()
    return files


def write(path, data, mode, mtime):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    os.chmod(path, mode)
    os.utime(path, (mtime, mtime))


def main():
    ap = argparse.ArgumentParser(description='Makes the trees of bench/install-tree.sh.')
    ap.add_argument('--files', type=int, default=10_000)
    ap.add_argument('--total', type=int, default=500_000_000)
    ap.add_argument('--changed', type=int, default=100)
    ap.add_argument('--seed', type=int, default=4)
    ap.add_argument('dir')
    args = ap.parse_args()
    if args.files < 100 or args.changed > args.files:
        sys.exit('make-tree.py: need at least 100 files and no more changed files than files')

    out = args.dir
    stamp = f'make-tree {VERSION} files={args.files} total={args.total} changed={args.changed} seed={args.seed}\n'
    stamp_path = os.path.join(out, 'stamp')
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        print(f'{out}: made already ({stamp.strip()})', file=sys.stderr)
        return
    for sub in ('v1', 'v2'):
        if os.path.exists(os.path.join(out, sub)):
            sys.exit(f'make-tree.py: {out}/{sub} exists with other parameters; remove {out} first')
    os.makedirs(out, exist_ok=True)

    rng = random.Random(args.seed)
    content = Content(rng)
    files = plan(rng, args.files, args.total)
    changed = set(rng.sample(range(len(files)), args.changed))
    v1 = os.path.join(out, 'v1')
    v2 = os.path.join(out, 'v2')
    with open(os.path.join(out, 'files.tsv.tmp'), 'w') as tsv:
        for i, (path, size, kind, mode) in enumerate(files):
            header = f'# {path} ({kind}, {size} bytes, file {i})\n'.encode()
            data = content.make(kind, size, header)
            assert len(data) == size
            write(os.path.join(v1, path), data, mode, MTIME_V1)
            if i in changed:
                # a slice of new content of the same kind, the size unchanged
                span = min(size, max(256, size // 20))
                at = rng.randrange(size - span + 1)
                new = content.make(kind, span, f'# changed in 2.0: {path}\n'.encode())
                write(os.path.join(v2, path), data[:at] + new + data[at + span:], mode, MTIME_V2)
            else:
                os.makedirs(os.path.dirname(os.path.join(v2, path)), exist_ok=True)
                os.link(os.path.join(v1, path), os.path.join(v2, path))
            tsv.write(f'{path}\t{size}\t{kind}\t{int(i in changed)}\n')
            if (i + 1) % 1000 == 0:
                print(f'  {i + 1} of {len(files)} files', file=sys.stderr)
    os.rename(os.path.join(out, 'files.tsv.tmp'), os.path.join(out, 'files.tsv'))
    with open(stamp_path, 'w') as f:
        f.write(stamp)


if __name__ == '__main__':
    main()
