# Calibration for the text teacher (docs/results/text-teacher.md): tf-idf logistic regression on IMDB reviews with
# head-only and head+tail truncation, unigrams and bigrams. Needs scikit-learn (a venv from /opt/pypi, or pip).
import json, re, numpy as np, time
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
R=json.load(open('/root/.cache/jvm-compression/data/imdb/reviews.json'))
tok=lambda t: re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", t.replace('<br />',' ').lower())
T=[tok(r['t']) for r in R]; y=np.array([r['s'] for r in R])
rng=np.random.RandomState(0); p=rng.permutation(len(R)); tr,te=p[:40000],p[45000:]
L=[len(t) for t in T]; print('len mean',np.mean(L),'median',np.median(L),'>256',np.mean(np.array(L)>256))
def run(name, f, ng=(1,1), vocab=None):
    docs=[' '.join(f(t)) for t in T]
    v=TfidfVectorizer(ngram_range=ng, max_features=vocab, token_pattern=r"\S+", sublinear_tf=True, min_df=2)
    X=v.fit_transform([docs[i] for i in tr]); Xt=v.transform([docs[i] for i in te])
    for C in [1,4,16]:
        m=LogisticRegression(C=C,max_iter=2000).fit(X,y[tr]); print(name,ng,vocab,C,round(m.score(Xt,y[te])*100,2),flush=True)
run('head256',lambda t:t[:256],(1,1),20000)
run('full',lambda t:t,(1,1),20000)
run('head256',lambda t:t[:256],(1,2),None)
run('full',lambda t:t,(1,2),None)
run('head128tail128',lambda t:t[:128]+t[-128:] if len(t)>256 else t,(1,2),None)
run('head256tail256',lambda t:t[:256]+t[-256:] if len(t)>512 else t,(1,2),None)
