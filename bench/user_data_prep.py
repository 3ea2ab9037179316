#!/usr/bin/env python3
"""Turns two package-fetched data sets into the forms a user brings (standard library only):
  digits  OpenCV's samples/data/digits.png (Debian opencv-doc): 5,000 handwritten digits, 20x20 grey, 10 classes,
          cut into DIR/train/<digit>/*.png and DIR/test/<digit>/*.png (80/20, seeded);
  langs   Debian's fortunes-* packages: short texts in 10 languages, as DIR/train.jsonl and DIR/test.jsonl
          ({"text", "label"}; 80/20, seeded; at most --per-class texts per language, duplicates dropped).
  emoji   Noto emoji of npm's emoji-datasource-google: 64x64 colour PNGs (with transparency) of 9 categories, as
          DIR/train/<category>/*.png and DIR/test/<category>/*.png (80/20 per category, seeded; skin-tone variants
          and the 5 "Component" swatches left out), the files copied as they are.
usage: user_data_prep.py digits DIGITS_PNG OUT_DIR | langs FORTUNES_ROOT OUT_DIR [--per-class N]
       | emoji PACKAGE_DIR OUT_DIR"""
import json, os, random, struct, sys, zlib


def read_grey_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and colour == 0 and interlace == 0, 'expected an 8-bit grey, non-interlaced PNG'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows, prev = [], bytearray(w)
    for y in range(h):
        f, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        for x in range(w):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return rows


def write_grey_png(path, rows):
    w, h = len(rows[0]), len(rows)
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)
    raw = b''.join(b'\x00' + r for r in rows)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def digits(png, out):
    rows = read_grey_png(png)
    rng = random.Random(7)
    cells = [(r, c) for r in range(50) for c in range(100)]
    rng.shuffle(cells)
    for i, (r, c) in enumerate(cells):
        split = 'test' if i % 5 == 0 else 'train'
        label = r // 5
        d = os.path.join(out, split, str(label))
        os.makedirs(d, exist_ok=True)
        write_grey_png(os.path.join(d, '%02d-%02d.png' % (r, c)), [rows[r * 20 + y][c * 20:c * 20 + 20] for y in range(20)])


LANGS = {'de': 'german', 'es': 'spanish', 'it': 'italian', 'pl': 'polish', 'ru': 'russian', 'cs': 'czech',
         'br': 'portuguese', 'eo': 'esperanto', 'bg': 'bulgarian', 'ga': 'irish'}


def langs(root, out, per_class):
    rng = random.Random(7)
    train, test = [], []
    for code, name in LANGS.items():
        base = os.path.join(root, code, 'usr/share/games/fortunes')
        texts = set()
        for d, _, files in os.walk(base):
            for f in sorted(files):
                p = os.path.join(d, f)
                if f.endswith(('.dat', '.u8')) or os.path.islink(p) or f in ('banner', 'ascii-art'):
                    continue
                try:
                    body = open(p, encoding='utf-8').read()
                except UnicodeDecodeError:
                    continue
                for t in body.split('\n%\n'):
                    t = ' '.join(t.split())
                    if 20 <= len(t) <= 2000:
                        texts.add(t)
        texts = sorted(texts)
        rng.shuffle(texts)
        texts = texts[:per_class]
        cut = len(texts) // 5
        test += [{'text': t, 'label': name} for t in texts[:cut]]
        train += [{'text': t, 'label': name} for t in texts[cut:]]
    os.makedirs(out, exist_ok=True)
    for n, rows in (('train.jsonl', train), ('test.jsonl', test)):
        rng.shuffle(rows)
        with open(os.path.join(out, n), 'w', encoding='utf-8') as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + '\n')


def emoji(pkg, out):
    import shutil
    rng = random.Random(7)
    by_cat = {}
    for e in json.load(open(os.path.join(pkg, 'emoji.json'), encoding='utf-8')):
        if e.get('has_img_google') and e['category'] != 'Component':
            by_cat.setdefault(e['category'], []).append(e['image'])
    for cat, images in sorted(by_cat.items()):
        images = sorted(images)
        rng.shuffle(images)
        cut = len(images) // 5
        slug = cat.lower().replace(' & ', '-').replace(' ', '-')
        for i, name in enumerate(images):
            d = os.path.join(out, 'test' if i < cut else 'train', slug)
            os.makedirs(d, exist_ok=True)
            shutil.copyfile(os.path.join(pkg, 'img', 'google', '64', name), os.path.join(d, name))


if __name__ == '__main__':
    if sys.argv[1] == 'digits':
        digits(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'emoji':
        emoji(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'langs':
        n = int(sys.argv[sys.argv.index('--per-class') + 1]) if '--per-class' in sys.argv else 1500
        langs(sys.argv[2], sys.argv[3], n)
    else:
        sys.exit(__doc__)
