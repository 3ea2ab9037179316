# Calibration for the text teacher (docs/results/text-teacher.md): a CNN over word embeddings in PyTorch with head or
# middle truncation and max / mean / both poolings. Usage: cnn_torch.py head|middle LENGTH emb,filters,kernel,pool EPOCHS
# (the peer venv of bench/peer/install.sh has torch).
import json, re, sys, time, numpy as np, torch, torch.nn as nn, collections
torch.set_num_threads(2); torch.manual_seed(0)
R=json.load(open('/root/.cache/jvm-compression/data/imdb/reviews.json'))
tok=lambda t: re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", t.replace('<br />',' ').lower())
T=[tok(r['t']) for r in R]; y=np.array([r['s'] for r in R])
rng=np.random.RandomState(0); p=rng.permutation(len(R)); tr,va,te=p[:40000],p[40000:45000],p[45000:]
cnt=collections.Counter(w for i in tr for w in T[i]); V={w:i+2 for i,(w,_) in enumerate(cnt.most_common(19998))}
L=int(sys.argv[2]); mode=sys.argv[1]
def enc(t):
    ids=[V.get(w,1) for w in t]
    if len(ids)>L: ids = ids[:L] if mode=='head' else ids[:L//2]+ids[-(L-L//2):]
    return ids+[0]*(L-len(ids))
X=torch.tensor([enc(t) for t in T]); Y=torch.tensor(y)
class Net(nn.Module):
    def __init__(s, e, f, k, pool):
        super().__init__(); s.e=nn.Embedding(20000,e); s.c=nn.Conv1d(e,f,k,padding=k//2); s.pool=pool; s.d=nn.Dropout(0.5); s.o=nn.Linear(f*(2 if pool=='both' else 1),2)
    def forward(s,x):
        h=torch.relu(s.c(s.e(x).transpose(1,2)))
        if s.pool=='max': h=h.max(2).values
        elif s.pool=='mean': h=h.mean(2)
        else: h=torch.cat([h.max(2).values,h.mean(2)],1)
        return s.o(s.d(h))
arch=sys.argv[3].split(','); m=Net(int(arch[0]),int(arch[1]),int(arch[2]),arch[3])
print(mode,L,arch,sum(q.numel() for q in m.parameters()),flush=True)
opt=torch.optim.Adam(m.parameters(),1e-3)
def acc(idx):
    m.eval(); c=0
    with torch.no_grad():
        for i in range(0,len(idx),500): b=idx[i:i+500]; c+=(m(X[b]).argmax(1)==Y[b]).sum().item()
    m.train(); return c/len(idx)
for ep in range(int(sys.argv[4])):
    t0=time.time(); perm=np.random.permutation(tr)
    for i in range(0,len(perm),64):
        b=perm[i:i+64]; opt.zero_grad(); nn.functional.cross_entropy(m(X[b]),Y[b]).backward(); opt.step()
    print(ep, round(acc(va)*100,2), round(acc(te)*100,2), round(time.time()-t0), flush=True)
