# Calibration for the wordnet task (docs/results/wordnet.md): tf-idf logistic regression on WordNet 3.0 noun glosses
# -> their 26 lexicographer files, on a seeded 80/10/10 split (not the suite's split: a level to compare with, not a
# row). Needs scikit-learn (Debian: apt-get install python3-sklearn, then /usr/bin/python3).
import re, sys, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
path = sys.argv[1] if len(sys.argv) > 1 else '/root/.cache/jvm-compression/data/wordnet/data.noun'
T, y = [], []
for line in open(path, encoding='latin-1'):
    if line.startswith('  '): continue
    f = line.split(' ', 3); T.append(line.split(' | ', 1)[1].strip()); y.append(int(f[1]) - 3)
y = np.array(y)
tok = lambda t: re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", t.lower())
docs = [' '.join(tok(t)) for t in T]
rng = np.random.RandomState(0); p = rng.permutation(len(T)); n = len(T)
tr, te = p[:int(.8 * n)], p[int(.9 * n):]
print('items', n, 'majority', round(np.bincount(y[te]).max() / len(te) * 100, 2))
for ng in [(1, 1), (1, 2)]:
    v = TfidfVectorizer(ngram_range=ng, token_pattern=r"\S+", sublinear_tf=True, min_df=2)
    X = v.fit_transform([docs[i] for i in tr]); Xt = v.transform([docs[i] for i in te])
    for C in [4, 16]:
        m = LogisticRegression(C=C, max_iter=3000).fit(X, y[tr])
        print('ngrams', ng, 'C', C, 'test', round(m.score(Xt, y[te]) * 100, 2), flush=True)
